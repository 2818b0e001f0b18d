import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { expect, runChecks, type Check, type CheckResult, type NamedCheck } from './checks.js';
import { daprChecks, networkChecks, redisChecks, vaultChecks, type Tenancy } from './checks-isolation.js';
import { admissionChecks, driftCheck, fluxCheck, metricsCheck, podChecks, secretRotationCheck } from './checks-platform.js';
import { kubectlJson } from './kubectl.js';
import { appPods, liveApps, type LiveApp, type LivePod } from './live-apps.js';
import { proberFor, type Prober } from './probe.js';
import { exec } from './exec.js';
import { CLUSTER } from './versions.js';

export type { CheckResult } from './checks.js';

/** What `paddock cluster test --dry-run` lists: every promise, for every app the cluster runs. */
export const PROMISES = [
  'Flux: every Kustomization and HelmRelease Ready',
  "each app's pod: the app and Dapr's sidecar, admitted under Pod Security restricted, on the app's own node pool",
  "the seed's test:app1 and test:app2 (classify, history, app2 → app1 through Dapr) when app1 and app2 run",
  "Cilium, probed from inside each app's container: no connection to another app's pod unless declared, none to Vault, none outside the cluster, Redis only for a state store or pub/sub",
  'Dapr: only a declared caller invokes an app',
  "Redis: each app's user touches its own keys only, and its password signs in no one else",
  "Vault: each app's role is denied every other app's secrets",
  "the API server refuses a privileged container, a pod on another app's pool and a latest image, by the policies",
  "Flux restores a deleted Dapr Component (timed); a secret changed in Vault reaches the app through secretstore (timed, then rolled back); Prometheus scrapes each app's Dapr metrics",
];

/** Forward a local port to svc/<app> in <app>-ns; resolves with the base URL and a stop function. */
function portForward(app: LiveApp): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--context', CLUSTER.context, 'port-forward', '-n', app.namespace, `svc/${app.name}`, ':80'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl port-forward to ${app.name} did not start`));
    }, 30000);
    child.stdout.on('data', (d: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[1]}`, stop: () => child.kill() });
      }
    });
    child.on('error', (err) => reject(err));
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body };
}

/** The seed's test:app1 and test:app2, with assertions, through each app's Service. */
function seedChecks(urls: Map<string, string>): NamedCheck[] {
  const ids: string[] = [];
  const classify =
    (base: () => string, path: string, message: string, want: string): Check =>
    async () => {
      const r = await json(`${base()}${path}`, { method: 'POST', body: JSON.stringify({ message }) });
      const body = r.body as { id?: string; classification?: string };
      expect(r.status === 200, `HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
      expect(body.classification === want, `classified as ${body.classification}, expected ${want}`);
      if (body.id) ids.push(body.id);
      return `${body.classification} (${body.id})`;
    };
  const historyHas =
    (base: () => string, path: string): Check =>
    async () => {
      const r = await json(`${base()}${path}`);
      expect(r.status === 200 && Array.isArray(r.body), `HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
      const got = (r.body as { id?: string }[]).map((e) => e.id);
      const missing = ids.filter((id) => !got.includes(id));
      expect(missing.length === 0, `history lacks ${missing.join(', ')}`);
      return `${got.length} entries, all ${ids.length} new ones present`;
    };
  const health =
    (base: () => string): Check =>
    async () => {
      const r = await json(`${base()}/health`);
      expect(r.status === 200, `HTTP ${r.status}`);
      return 'HTTP 200';
    };
  const a1 = () => urls.get('app1')!;
  const a2 = () => urls.get('app2')!;
  return [
    ['test:app1 — health', health(a1)],
    ['test:app1 — classify a bug report', classify(a1, '/classify', 'the login page is broken', 'bug')],
    ['test:app1 — classify a feature request', classify(a1, '/classify', 'I want to add dark mode', 'feature_request')],
    ['test:app1 — history (Redis through Dapr state)', historyHas(a1, '/history')],
    ['test:app2 — health', health(a2)],
    [
      'test:app2 — app2 → app1: classify through Dapr service invocation (mTLS, access control)',
      classify(a2, '/api/classify', 'the database crashes every night', 'bug'),
    ],
    ['test:app2 — app2 → app1: history through Dapr service invocation', historyHas(a2, '/api/history')],
  ];
}
/** A TCP listener on the host at kind's network gateway: "outside the cluster" that a pod could otherwise reach. */
async function outsideListener(): Promise<{ server?: Server; host: string; port: number }> {
  const r = await exec(['docker', 'network', 'inspect', 'kind', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}']);
  const gateway = r.stdout.split(/\s+/).find((g) => /^\d+\.\d+\.\d+\.\d+$/.test(g));
  if (!gateway) return { host: '1.1.1.1', port: 443 };
  const server = createServer((s) => s.end());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, gateway, resolve));
  return { server, host: gateway, port: (server.address() as { port: number }).port };
}

async function serviceAddress(ns: string, name: string): Promise<{ host: string; port: number }> {
  const svc = await kubectlJson<{ spec: { clusterIP: string; ports: { port: number }[] } }>(['get', 'service', name, '-n', ns]);
  return { host: svc.spec.clusterIP, port: svc.spec.ports[0]!.port };
}

/**
 * `paddock cluster test`: the platform's promises on the live cluster, with
 * real traffic, for every app it runs (Flux's HelmReleases labelled
 * paddock.dev/app) — each outcome in one line naming the promise.
 */
export async function smokeTests(onResult?: (r: CheckResult) => void): Promise<CheckResult[]> {
  const apps = await liveApps();
  const pods = new Map<string, LivePod>();
  const probers = new Map<string, Prober | string>();
  for (const app of apps) {
    const pod = (await appPods(app)).find((p) => p.ready);
    if (!pod) continue;
    pods.set(app.name, pod);
    probers.set(app.name, await proberFor(app, pod));
  }
  const outside = await outsideListener();
  const forwards: { stop: () => void }[] = [];
  const urls = new Map<string, string>();
  try {
    const tenancy: Tenancy = {
      apps,
      pods,
      probers,
      vault: await serviceAddress('vault-system', 'vault'),
      redis: await serviceAddress('redis-system', 'redis'),
      outside,
    };
    const seed = apps.some((a) => a.name === 'app1') && apps.some((a) => a.name === 'app2');
    if (seed)
      for (const name of ['app1', 'app2']) {
        const f = await portForward(apps.find((a) => a.name === name)!);
        forwards.push(f);
        urls.set(name, f.url);
      }
    const checks: NamedCheck[] = [
      fluxCheck(),
      ...apps.flatMap(podChecks),
      ...(seed ? seedChecks(urls) : []),
      ...networkChecks(tenancy),
      ...daprChecks(tenancy),
      ...redisChecks(tenancy),
      ...vaultChecks(tenancy),
    ];
    const judged = apps[0];
    if (judged) checks.push(...admissionChecks(judged, apps.find((a) => a !== judged)?.nodepool ?? 'system'));
    const withComponent = apps.find((a) => a.usesRedis || a.secretKeys !== undefined);
    if (withComponent) checks.push(driftCheck(withComponent));
    const withSecret = apps.find((a) => a.secretKeys?.length);
    if (withSecret) checks.push(secretRotationCheck(withSecret));
    checks.push(...apps.map(metricsCheck));
    return await runChecks(checks, onResult);
  } finally {
    for (const f of forwards) f.stop();
    outside.server?.close();
  }
}
