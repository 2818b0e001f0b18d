import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { paths } from '../paths.js';
import { BINDING_URL_FIX, judgeBindingUrl } from './binding-url.js';
import { platformSettings } from './platform-settings.js';
import { exactQuantity, quantityFix, quantityProblem, suggestCpu, suggestMemory } from './quantity.js';

/** A number's bounds as the contract states them (charts/app/values.schema.json), so a hint never repeats them. */
let bounds: Record<string, { minimum?: number; maximum?: number }> | undefined;
function contractBounds(field: string): { minimum?: number; maximum?: number } {
  bounds ??= (JSON.parse(readFileSync(paths.contract, 'utf8')) as { properties: typeof bounds }).properties;
  return bounds?.[field] ?? {};
}

export interface Hint {
  message: string;
  fix?: string;
}

const SYSTEM_NS =
  /^(default|kube-.*|dapr-system|flux-system|monitoring|redis-system|vault-system|harbor-system|external-secrets|cilium.*|cert-manager|ingress-nginx|paddock-system)$/;
const DAPR_PORTS: Record<number, string> = {
  3500: "Dapr's HTTP API",
  3501: "Dapr's internal HTTP",
  50001: "Dapr's gRPC API",
  50002: "Dapr's internal gRPC",
  9090: "Dapr's metrics",
};

/** Plain-English message and fix for one schema error at `path` with the offending `value`. */
export function hintFor(err: ErrorObject, path: string, value: unknown): Hint {
  const last = path.split('.').pop() ?? path;
  const shown = JSON.stringify(value);
  return (
    structureHint(err, path) ??
    portOrTypeHint(err, path, last, value, shown) ??
    fieldHint(err, path, last, value, shown) ??
    allowListHint(path, value) ??
    genericHint(err, path, shown)
  );
}

/** An unknown or missing setting, or one only a web app has. */
function structureHint(err: ErrorObject, path: string): Hint | undefined {
  if (err.keyword === 'additionalProperties') {
    const key = (err.params as { additionalProperty: string }).additionalProperty;
    const where = path ? `under ${path}` : 'at the top level';
    const risky =
      /securityContext|hostNetwork|hostPID|hostIPC|hostPath|privileged|capabilities|serviceAccount|volumes|command|args|env|annotations|labels|namespace|tolerations|affinity|nodeSelector/i;
    return {
      message: risky.test(key)
        ? `"${key}" ${where} is not something an app can set: the platform sets it for every app, safely.`
        : `"${key}" ${where} is not a setting paddock knows (a typo?).`,
      fix: `Remove "${key}". The settings are listed in charts/app/README.md.`,
    };
  }
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    const full = path ? `${path}.${missing}` : missing;
    const examples: Record<string, string> = {
      image: 'image:\n    repository: localhost:30000/platform/my-app\n    tag: "1.0.0"',
      repository: 'repository: localhost:30000/platform/my-app',
      tag: 'tag: "1.0.0"',
      url: 'url: https://hooks.example.com/…',
      name: 'name: slack',
    };
    return { message: `${full} is missing.`, fix: examples[missing] ? `Add ${examples[missing]}` : `Add ${full}.` };
  }
  // A setting that only a web app has, given for one with `port: none` (the contract's if/then).
  if ((err.keyword === 'maxLength' || err.keyword === 'maxItems') && (err.params as { limit?: number }).limit === 0) {
    const calls = path === 'networkPolicy.allowIngressFrom';
    return {
      message: calls
        ? `${path} lists apps that may call this one, but it says \`port: none\`: an app without a port answers no calls.`
        : `${path} is set, but the app says \`port: none\`: an app without a port answers no web requests, so there is nothing to check there (the platform watches its process instead).`,
      fix: calls ? `Empty ${path}, or give the port the app answers on.` : `Remove ${path}, or give the port the app answers on.`,
    };
  }
  return undefined;
}

/** The port, and a value of the wrong YAML type. */
function portOrTypeHint(err: ErrorObject, path: string, last: string, value: unknown, shown: string): Hint | undefined {
  if (last === 'port' && path === 'port') {
    const n = Number(value);
    if (typeof value === 'number' && DAPR_PORTS[n])
      return {
        message: `port ${n} is ${DAPR_PORTS[n]} port, which the sidecar needs.`,
        fix: 'Use another port, for example 8080, and make your app listen on it.',
      };
    if (typeof value === 'number')
      return {
        message: `port ${shown} must be a number from 1024 to 65535 (ports below 1024 need root).`,
        fix: 'Use 8080 (or the port your app listens on, if it is 1024 or more).',
      };
    return {
      message: `port is ${shown}; it must be the number of the port the app answers web requests on, or none for an app that answers no web requests.`,
      fix: 'Write, for example, port: 8080 (no quotes), or port: none for a worker that only calls Dapr.',
    };
  }
  if (err.keyword === 'type' && last === 'memory' && typeof value === 'number') {
    return { message: `${path} is ${shown}, a plain number; memory needs a unit.`, fix: quantityFix('memory', platformSettings().maxContainer) };
  }
  if (err.keyword === 'type') {
    const want = (err.params as { type: string | string[] }).type;
    return {
      message: `${path} is ${shown}, but it must be ${Array.isArray(want) ? want.join(' or ') : want === 'integer' ? 'a whole number' : `a ${want}`}.`,
      fix: want === 'boolean' ? `Write ${path.split('.').pop()}: true or false (no quotes).` : undefined,
    };
  }

  return undefined;
}

/** A field's own rule, by the field's name. */
function fieldHint(err: ErrorObject, path: string, last: string, value: unknown, shown: string): Hint | undefined {
  switch (last) {
    case 'tag':
      if (typeof value === 'string' && /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(value)) {
        return {
          message: `image.tag "${value}" is a moving tag: what runs could change without anyone deciding it.`,
          fix: 'Tag every build with a version (for example "1.0.3") and use that tag here.',
        };
      }
      return {
        message: `image.tag ${shown} is not a valid image tag (letters, digits, '.', '_' and '-', at most 128, not starting with '.' or '-').`,
        fix: 'Use the version you pushed, for example "1.0.0" (quoted).',
      };
    case 'repository':
      return {
        message: `image.repository ${shown} is not an image address without a tag.`,
        fix: 'Write the registry and path only, for example localhost:30000/platform/my-app, and put the version in image.tag.',
      };
    case 'digest':
      return { message: `image.digest ${shown} is not a sha256 digest.`, fix: 'Use sha256: followed by 64 hex characters, or remove digest.' };
    case 'healthPath':
      return {
        message: `healthPath ${shown} must be a URL path starting with /.`,
        fix: 'Use /health and make your app answer 200 there, or leave healthPath out: the platform then checks that the app accepts connections on its port.',
      };
    case 'livenessPath':
      return {
        message: `livenessPath ${shown} must be a URL path starting with /.`,
        fix: 'Use, for example, /livez: a route that answers 200 while the process works, without asking its database or other backends. Or leave livenessPath out.',
      };
    case 'nodepool':
      return {
        message: `nodepool ${shown} must be a simple name (lowercase letters, digits, '-').`,
        fix: 'Leave nodepool out: your app runs on its own pool.',
      };
    case 'replicas': {
      const { minimum, maximum } = contractBounds('replicas');
      return { message: `replicas ${shown} must be from ${minimum} to ${maximum}.`, fix: `Use 1, or ask the platform team if you need more than ${maximum}.` };
    }
    case 'size':
      return { message: `size ${shown} must be small, medium or large.`, fix: 'Use size: small unless your app needs more.' };
    case 'cpu': {
      const guess = typeof value === 'string' ? suggestCpu(value) : undefined;
      if (guess && exactQuantity(value as string) === undefined)
        return { message: `${path} "${String(value)}" is not a Kubernetes quantity.`, fix: `Did you mean ${guess}?` };
      const problem = quantityProblem('cpu', value, platformSettings().maxContainer);
      return { message: `${path} ${problem ?? `${shown} is not a CPU amount paddock accepts`}.`, fix: quantityFix('cpu', platformSettings().maxContainer) };
    }
    case 'memory': {
      const guess = typeof value === 'string' ? suggestMemory(value) : undefined;
      if (guess && exactQuantity(value as string) === undefined)
        return { message: `${path} "${String(value)}" is not a Kubernetes quantity.`, fix: `Did you mean ${guess}?` };
      const problem = quantityProblem('memory', value, platformSettings().maxContainer);
      return {
        message: `${path} ${problem ?? `${shown} is not a memory amount paddock accepts (write Mi or Gi)`}.`,
        fix: quantityFix('memory', platformSettings().maxContainer),
      };
    }
    case 'url': {
      if (err.keyword === 'maxLength') return { message: 'binding.url is longer than 2048 characters.', fix: BINDING_URL_FIX };
      const problem = typeof value === 'string' ? judgeBindingUrl(value).problem : undefined;
      return {
        message: `binding.url ${problem ?? 'must be a public https address (no plain http, IP address, or private or cluster-internal host)'}.`,
        fix: BINDING_URL_FIX,
      };
    }
    case 'name':
      return {
        message: `binding.name ${shown} must be a simple lowercase name, not one of statestore, secretstore, pubsub or kubernetes.`,
        fix: 'For example: name: slack',
      };
    case 'owner':
      return { message: `owner ${shown} must be a team name or an e-mail address.`, fix: 'For example: owner: marketing-analytics' };
    case 'enabled':
      if (path === 'networkPolicy.enabled')
        return {
          message: 'networkPolicy cannot be switched off: every app is network-isolated.',
          fix: 'Remove networkPolicy.enabled, and list who may call you under allowIngressFrom.',
        };
      break;
  }

  return undefined;
}

/** An entry of networkPolicy.allowIngressFrom or allowEgressTo that is not an app namespace. */
function allowListHint(path: string, value: unknown): Hint | undefined {
  if (/networkPolicy\.allow(IngressFrom|EgressTo)\.\d+$/.test(path)) {
    const s = String(value);
    if (s.includes('*')) return { message: `${path} "${s}" is a wildcard; each app must be named.`, fix: "List each app's namespace, for example app2-ns." };
    if (SYSTEM_NS.test(s))
      return {
        message: `${path} "${s}" is a system namespace; apps cannot talk to the platform's own services directly.`,
        fix: 'Remove it. Use the building blocks (statestore, secretstore, pubsub) instead.',
      };
    if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s))
      return { message: `${path} "${s}" is not an app namespace.`, fix: `App namespaces end in -ns: did you mean ${s}-ns?` };
    return { message: `${path} "${s}" is not an app namespace.`, fix: 'Write <app>-ns, for example app2-ns.' };
  }
  return undefined;
}

/** What any other schema error says. */
function genericHint(err: ErrorObject, path: string, shown: string): Hint {
  if (err.keyword === 'uniqueItems') return { message: `${path} lists the same entry twice.`, fix: 'Remove the duplicate.' };
  if (err.keyword === 'maxItems') return { message: `${path} has too many entries.`, fix: 'Ask the platform team.' };
  if (err.keyword === 'const' || err.keyword === 'enum') {
    const allowed = (err.params as { allowedValue?: unknown; allowedValues?: unknown[] }).allowedValues ?? [
      (err.params as { allowedValue?: unknown }).allowedValue,
    ];
    return { message: `${path} is ${shown}; it must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}.` };
  }
  return { message: `${path || 'the file'}: ${err.message ?? 'is not valid'} (got ${shown}).` };
}
