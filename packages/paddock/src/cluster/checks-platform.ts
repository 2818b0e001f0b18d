import { randomBytes } from 'node:crypto';
import { expect, poll, Skip, type NamedCheck } from './checks.js';
import { firstLine, kubectl, kubectlJson, secretValue, vaultShell } from './kubectl.js';
import { hostileVariants, type DeploymentLike } from './hostile-variants.js';
import { appPods, type LiveApp } from './live-apps.js';
import { proberFor } from './probe.js';
import { readFlux } from './runner.js';

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export function fluxCheck(): NamedCheck {
  return [
    'Flux: every Kustomization and HelmRelease is Ready',
    async () => {
      const objects = await readFlux();
      const pending = objects.filter((o) => o.ready !== 'True');
      expect(objects.length > 0, 'no Flux objects in the cluster');
      expect(pending.length === 0, pending.map((o) => `${o.kind} ${o.namespace}/${o.name}: ${o.message}`).join('; '));
      return `${objects.length} Ready`;
    },
  ];
}

/** Each app's pod: both containers, admitted under "restricted", on the app's own pool. */
export function podChecks(app: LiveApp): NamedCheck[] {
  return [
    [
      `${app.name}: its pod runs the app and Dapr's sidecar, admitted under Pod Security "restricted"`,
      async () => {
        const pods = await appPods(app);
        expect(pods.length > 0, `no running pod in ${app.namespace}`);
        const ns = await kubectlJson<{ metadata: { labels?: Record<string, string> } }>(['get', 'namespace', app.namespace]);
        const enforce = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'];
        expect(enforce === 'restricted', `namespace ${app.namespace} enforces "${enforce ?? 'nothing'}", not "restricted"`);
        for (const p of pods) {
          expect(p.containers.includes('app') && p.containers.includes('daprd'), `${p.name} runs ${p.containers.join(', ')}, not app and daprd`);
          expect(p.ready, `${p.name} is not Ready`);
        }
        return `${pods.map((p) => p.name).join(', ')}: ${pods[0]!.containers.join(' + ')}, Ready`;
      },
    ],
    [
      `${app.name}: runs on its own node pool`,
      async () => {
        const pods = await appPods(app);
        expect(pods.length > 0, `no running pod in ${app.namespace}`);
        for (const p of pods) {
          const pool = await kubectl(['get', 'node', p.node, '-o', 'jsonpath={.metadata.labels.paddock\\.dev/nodepool}']);
          expect(pool.stdout.trim() === app.nodepool, `${p.name} runs on ${p.node}, whose pool is "${pool.stdout.trim()}"`);
        }
        return `on ${[...new Set(pods.map((p) => p.node))].join(', ')}`;
      },
    ],
  ];
}

interface Deployment extends DeploymentLike {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
}

/** The real API server judges variants of the app's own Deployment by the admission policies (server-side dry runs). */
export function admissionChecks(app: LiveApp, otherPool: string): NamedCheck[] {
  const deployment = async (): Promise<Deployment> => {
    const list = await kubectlJson<{ items: Deployment[] }>(['get', 'deployments', '-n', app.namespace, '-l', `app.kubernetes.io/name=${app.name}`]);
    const d = list.items[0];
    expect(d !== undefined, `no Deployment of ${app.name} in ${app.namespace}`);
    const { apiVersion, kind, metadata, spec } = d;
    return { apiVersion, kind, metadata: { name: `${metadata.name}-paddock-test`, namespace: metadata.namespace, labels: metadata.labels }, spec };
  };
  const dryRun = (d: Deployment) => kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(d));
  return hostileVariants(otherPool).map(
    ({ what, policy, of }): NamedCheck => [
      `API server: refuses ${app.name} ${what} (${policy})`,
      async () => {
        const base = await deployment();
        const control = await dryRun(base);
        expect(control.code === 0, `the app's own Deployment is refused too, so this proves nothing: ${firstLine(control.stderr)}`);
        const r = await dryRun(of(base));
        expect(r.code !== 0, `admitted ${what}`);
        const words = new RegExp(`ValidatingAdmissionPolicy '${policy}' with binding '[^']+' denied request: (.*)`).exec(r.stderr)?.[1];
        expect(words !== undefined, `refused, but not by ${policy}: ${firstLine(r.stderr)}`);
        return words;
      },
    ],
  );
}

/** The seed's drift promise: a Dapr Component deleted by hand comes back through Flux. */
export function driftCheck(app: LiveApp): NamedCheck {
  return [
    `Flux: restores ${app.name}'s Dapr Component when it is deleted`,
    async () => {
      const list = await kubectlJson<{ items: { metadata: { name: string; uid: string } }[] }>(['get', 'components.dapr.io', '-n', app.namespace]);
      const c = list.items.find((i) => i.metadata.name === 'statestore') ?? list.items[0];
      if (!c) throw new Skip(`${app.name} has no Dapr Component`);
      const release = await kubectlJson<{ spec: { interval?: string } }>(['get', 'helmrelease', app.name, '-n', 'flux-system']);
      const started = Date.now();
      const del = await kubectl(['delete', 'components.dapr.io', c.metadata.name, '-n', app.namespace, '--wait=true']);
      expect(del.code === 0, `cannot delete it: ${firstLine(del.stderr)}`);
      // Helm's drift detection corrects at the release's next reconciliation; ask for it now.
      await kubectl(['annotate', '--overwrite', 'helmrelease', app.name, '-n', 'flux-system', `reconcile.fluxcd.io/requestedAt=${new Date().toISOString()}`]);
      const back = await poll(300_000, 2000, async () => {
        const r = await kubectl(['get', 'components.dapr.io', c.metadata.name, '-n', app.namespace, '-o', 'jsonpath={.metadata.uid}']);
        return r.code === 0 && r.stdout && r.stdout !== c.metadata.uid ? r.stdout : undefined;
      });
      expect(back !== undefined, `Component ${c.metadata.name} is still missing ${seconds(started)} after it was deleted`);
      return `${c.metadata.name} back ${seconds(started)} after it was deleted (on a reconcile request; unprompted, within the release's interval of ${release.spec.interval ?? '?'})`;
    },
  ];
}

/** Vault as root (the token on stdin): the current version of a path, a patch, a rollback. */
async function vaultRoot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const token = await secretValue('vault-system', 'vault-root-token', 'token');
  const script =
    'read -r VAULT_TOKEN; export VAULT_TOKEN; p="secret/dapr/$2"; case "$1" in ' +
    'version) vault kv metadata get -format=json "$p" ;; patch) vault kv patch "$p" "$3=$4" >/dev/null ;; ' +
    'rollback) vault kv rollback -version="$3" "$p" >/dev/null ;; esac';
  return vaultShell(script, args, `${token}\n`);
}

const forceSync = (app: LiveApp) =>
  kubectl(['annotate', '--overwrite', 'externalsecret', `${app.name}-secrets`, '-n', app.namespace, `force-sync=${Date.now()}`]);

/** What the app's sidecar serves for a secret, asked from a Ready pod of the app. */
async function servedSecret(app: LiveApp, key: string): Promise<string | undefined> {
  const pod = (await appPods(app)).find((p) => p.ready);
  if (!pod) return undefined;
  const prober = await proberFor(app, pod);
  if (typeof prober === 'string') throw new Skip(prober);
  const r = await prober.http('GET', `http://127.0.0.1:3500/v1.0/secrets/secretstore/${key}`);
  return r.status === 200 ? (JSON.parse(r.body) as Record<string, string>)[key] : undefined;
}

/** A secret changed in Vault reaches the app through Dapr's secretstore (Vault → ESO → Secret → daprd); then it is rolled back. */
export function secretRotationCheck(app: LiveApp, waitMs = 240_000): NamedCheck {
  return [
    `Vault → ESO → Dapr: a secret changed in Vault reaches ${app.name} through secretstore`,
    async () => {
      const key = app.secretKeys?.[0];
      if (!key) throw new Skip(`${app.name} names no secret key to change`);
      const metadata = await vaultRoot(['version', app.name]);
      expect(metadata.code === 0, `no secret at secret/dapr/${app.name} in Vault: ${firstLine(metadata.stderr)}`);
      const version = String((JSON.parse(metadata.stdout) as { data?: { current_version?: number } }).data?.current_version ?? '');
      expect(/^\d+$/.test(version), `no version of secret/dapr/${app.name} in Vault's metadata`);
      const before = await servedSecret(app, key); // throws Skip where the image has no interpreter to ask from
      expect(before !== undefined, `${app.name}'s sidecar does not serve ${key} from secretstore before any change`);
      const value = `paddock-test-${randomBytes(6).toString('hex')}`;
      const started = Date.now();
      try {
        const patch = await vaultRoot(['patch', app.name, key, value]);
        expect(patch.code === 0, `cannot change ${key} in Vault: ${firstLine(patch.stderr)}`);
        await forceSync(app);
        let synced: string | undefined;
        const served = await poll(waitMs, 3000, async () => {
          if (!synced) {
            const s = await secretValue(app.namespace, `${app.name}-secrets`, 'secrets.json').catch(() => '');
            if (s.includes(value)) synced = seconds(started);
          }
          // the pod that serves it is a new one once the change rolled the app: look it up each time
          const r = await servedSecret(app, key).catch(() => undefined);
          return r === value ? seconds(started) : undefined;
        });
        expect(
          served !== undefined,
          synced
            ? `ESO wrote it to Secret ${app.name}-secrets after ${synced}, but Dapr's secretstore still serves the old value after ${waitMs / 1000} s`
            : `it did not reach Secret ${app.name}-secrets (ESO) in ${waitMs / 1000} s`,
        );
        return `${key} changed in Vault: in the Secret after ${synced ?? '?'}, served by daprd after ${served}`;
      } finally {
        await vaultRoot(['rollback', app.name, version]);
        await forceSync(app);
      }
    },
  ];
}

/** Prometheus scrapes each app's Dapr sidecar (the chart's PodMonitor). */
export function metricsCheck(app: LiveApp): NamedCheck {
  return [
    `Prometheus: scrapes ${app.name}'s Dapr metrics`,
    async () => {
      const pods = await kubectlJson<{ items: { metadata: { name: string }; status: { phase?: string } }[] }>([
        'get',
        'pods',
        '-n',
        'monitoring',
        '-l',
        'app.kubernetes.io/name=prometheus',
      ]);
      const pod = pods.items.find((p) => p.status.phase === 'Running')?.metadata.name;
      expect(pod !== undefined, 'no Prometheus pod runs in monitoring');
      // every series its sidecar exports (dapr_*), counted: an app with no component still has its HTTP and runtime metrics
      const query = `count({__name__=~"dapr_.+",namespace="${app.namespace}"})`;
      const path = `/api/v1/namespaces/monitoring/pods/${pod}:9090/proxy/api/v1/query?query=${encodeURIComponent(query)}`;
      const count = await poll(180_000, 5000, async () => {
        const r = await kubectl(['get', '--raw', path]);
        if (r.code !== 0) return undefined;
        const result = (JSON.parse(r.stdout) as { data: { result: { value: [number, string] }[] } }).data.result;
        return result[0] && Number(result[0].value[1]) > 0 ? result[0].value[1] : undefined;
      });
      expect(count !== undefined, `no dapr_* series from ${app.namespace} in Prometheus after 180 s`);
      return `${count} dapr_* series from ${app.namespace}`;
    },
  ];
}
