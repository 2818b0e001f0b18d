/**
 * The sidecar's refusal of a call by bare app-id, in one line. Each app runs
 * in its own namespace (<app>-ns), here as in the cluster, so Dapr cannot
 * reach `orders` from another app's namespace: here daprd finds it in the
 * session's name resolution but refuses its mTLS identity (".../ns/orders-ns/orders"
 * is not the "orders" of the caller's namespace), in the cluster it finds nothing.
 * The app sees only an HTTP 500; daprd's API log (on in the generated
 * Configuration, health checks left out) names the call, and this turns it into the fix.
 */
import { shown, type DevApp } from './app.js';

export interface ApiCall {
  code: number;
  verb: string;
  path: string;
}

/** daprd's `msg="HTTP API Called" … code=500 … method="POST /v1.0/invoke/orders/method/x"`, else undefined. */
export function apiCall(line: string): ApiCall | undefined {
  if (!line.includes('msg="HTTP API Called"')) return undefined;
  const code = /\bcode=(\d{3})\b/.exec(line);
  const method = /\bmethod="([A-Z]+) ([^"\s?]*)[^"]*"/.exec(line);
  if (!code || !method) return undefined;
  return { code: Number(code[1]), verb: method[1]!, path: method[2]! };
}

const namespaceOf = (app: string): string => `${app}-ns`;

/** The one line for a failed service invocation by bare app-id, or undefined when the call is something else. */
export function bareAppIdRefusal(call: ApiCall, caller: DevApp): string | undefined {
  if (call.code < 500) return undefined;
  const egress = caller.values.networkPolicy.allowEgressTo;
  const url = /^\/v1\.0\/invoke\/([^/]+)\/method\/(.*)$/.exec(call.path);
  if (url) {
    const id = decodeURIComponent(url[1]!);
    if (id.includes('.') || id === caller.name) return undefined;
    const ns = namespaceOf(id);
    return `${caller.name} called ${id} by its bare app-id (${call.verb} /v1.0/invoke/${id}/method/${url[2]}) and its sidecar refused it: each app runs in its own namespace, so write ${id}.${ns} (/v1.0/invoke/${id}.${ns}/method/${url[2]})${egress.includes(ns) ? '' : ` and add ${ns} to networkPolicy.allowEgressTo in ${shown(caller.valuesFile)}`}.`;
  }
  if (call.path.startsWith('/v1.0') || call.path.startsWith('/v1.0-alpha1') || call.path.startsWith('/dapr/')) return undefined;
  // Any other path on the sidecar's HTTP port is Dapr's HTTP proxy, routed by the dapr-app-id header.
  const targets = egress.map((ns) => ns.replace(/-ns$/, ''));
  const example = targets[0] ?? '<app>';
  return `${caller.name}'s call ${call.verb} ${call.path} through its sidecar (the dapr-app-id header) was refused: if the header names an app by its bare app-id, write it with its namespace, ${targets.length ? targets.map((t) => `dapr-app-id: ${t}.${namespaceOf(t)}`).join(' or ') : `dapr-app-id: ${example}.${namespaceOf(example)}`}.`;
}
