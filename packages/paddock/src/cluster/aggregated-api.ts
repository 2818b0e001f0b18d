/**
 * Waiting for an aggregated API (metrics.k8s.io) to answer through the API
 * server. Its APIService reporting Available is not enough: on the kind
 * cluster here the API server's aggregator kept answering NotFound for
 * metrics.k8s.io for hours while the APIService was Available and
 * metrics-server answered the same request itself (front-proxy certificate,
 * from the control-plane node); a restart of kube-apiserver cleared it. While
 * it lasts, every namespace deletion hangs (the namespace controller needs the
 * discovery of every group), so offboarding an app never finishes.
 */
import pc from 'picocolors';
import { UserError } from '../report/errors.js';
import type { Action } from './plan.js';
import { exec } from './exec.js';
import { kubectl } from './kubectl.js';
import { CLUSTER } from './versions.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (s: string) => process.stderr.write(`      ${pc.dim(s)}\n`);

async function available(apiService: string): Promise<boolean> {
  const r = await kubectl(['get', 'apiservice', apiService, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
  return r.code === 0 && r.stdout.trim() === 'True';
}

/**
 * The API server's answer to `path`, as kubectl -v=8 logs it: status line, content type and body (the aggregator's
 * own 404 has an empty text body, a delegated one is a Status).
 */
export async function apiServerAnswer(path: string): Promise<string> {
  const r = await kubectl(['get', '--raw', path, '-v=8']);
  return r.stderr
    .split('\n')
    .filter((l) => /Response Status|Response Body|Content-Type:/i.test(l))
    .map((l) => l.replace(/^.*\] /, '').slice(0, 300))
    .join('; ');
}

/** kube-apiserver is a static pod: moving its manifest out and back makes the kubelet start it anew. */
async function restartApiServer(): Promise<void> {
  const node = CLUSTER.controlPlane;
  const manifest = '/etc/kubernetes/manifests/kube-apiserver.yaml';
  const parked = '/etc/kubernetes/kube-apiserver.yaml.restarting';
  const r = await exec(['docker', 'exec', node, 'sh', '-c', `mv ${manifest} ${parked} && sleep 25 && mv ${parked} ${manifest}`]);
  if (r.code !== 0)
    throw new UserError(
      `could not restart kube-apiserver on ${node}: ${r.stderr.trim()}`,
      `Check ${manifest} on that node (docker exec ${node} ls ${parked}).`,
    );
  for (let i = 0; i < 60; i++) {
    if ((await kubectl(['get', '--raw', '/readyz'])).code === 0) return;
    await sleep(3000);
  }
  throw new UserError('kube-apiserver did not come back within 3 minutes of its restart', `See docker exec ${node} crictl ps -a, or kind export logs.`);
}

export async function waitAggregatedApi(a: Extract<Action, { kind: 'wait-api' }>): Promise<void> {
  const deadline = Date.now() + a.timeoutSeconds * 1000;
  let notFoundSince: number | undefined;
  let restarted = false;
  for (;;) {
    const r = await kubectl(['get', '--raw', a.path]);
    if (r.code === 0) return;
    const notFound = /NotFound|could not find the requested resource/.test(r.stderr);
    if (notFound && (await available(a.apiService))) {
      notFoundSince ??= Date.now();
      if (!restarted && Date.now() - notFoundSince > a.restartAfterSeconds * 1000) {
        say(`${a.apiService} is Available, yet the API server answers NotFound for ${a.path} (${await apiServerAnswer(a.path)})`);
        say('restarting kube-apiserver once: its aggregator keeps a stale handler for the group (seen on kind; a restart clears it)');
        await restartApiServer();
        restarted = true;
        notFoundSince = undefined;
      }
    } else notFoundSince = undefined;
    if (Date.now() > deadline)
      throw new UserError(
        `the API server does not serve ${a.path} after ${Math.round(a.timeoutSeconds / 60)} minutes: ${r.stderr.trim().split('\n')[0]}${restarted ? ' (also after a restart of kube-apiserver)' : ''}`,
        `See kubectl get apiservice ${a.apiService} -o yaml and the metrics-server pod's log (kubectl -n kube-system logs deploy/metrics-server). Until it answers, deleting a namespace hangs.`,
      );
    await sleep(5000);
  }
}
