/** Flux objects as `kubectl get -o json` returns them, reduced to what status and waits need. */
export interface FluxObject {
  kind: string;
  namespace: string;
  name: string;
  ready: 'True' | 'False' | 'Unknown';
  message: string;
}

interface KubeItem {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { suspend?: boolean };
  status?: { conditions?: { type?: string; status?: string; message?: string }[] };
}

/** Parse a `kubectl get … -o json` List into Flux objects with their Ready condition. */
export function fluxObjects(listJson: string): FluxObject[] {
  const list = JSON.parse(listJson) as { items?: KubeItem[] };
  return (list.items ?? []).map((it) => {
    const ready = it.status?.conditions?.find((c) => c.type === 'Ready');
    const status = ready?.status === 'True' || ready?.status === 'False' ? ready.status : 'Unknown';
    return {
      kind: it.kind ?? '?',
      namespace: it.metadata?.namespace ?? '',
      name: it.metadata?.name ?? '?',
      ready: status,
      message: it.spec?.suspend ? 'suspended' : (ready?.message ?? 'waiting for the first reconciliation'),
    };
  });
}

/** Whether the wanted objects (all, or those named) are Ready. */
export function allReady(objects: FluxObject[], names?: string[]): boolean {
  const wanted = names ? objects.filter((o) => names.includes(o.name)) : objects;
  if (names && wanted.length < names.length) return false;
  return wanted.length > 0 && wanted.every((o) => o.ready === 'True');
}

/** A one-line progress summary: how many are ready, and which are not yet. */
export function progressLine(objects: FluxObject[]): string {
  const ready = objects.filter((o) => o.ready === 'True').length;
  const pending = objects.filter((o) => o.ready !== 'True').map((o) => `${o.kind === 'Kustomization' ? 'ks' : 'hr'}/${o.name}`);
  return `${ready}/${objects.length} ready${pending.length ? ` — waiting for ${pending.slice(0, 6).join(', ')}${pending.length > 6 ? ` and ${pending.length - 6} more` : ''}` : ''}`;
}

/** The status table's rows: Flux, the platform's releases (Dapr, ESO, …) and the apps. */
export interface StatusRow {
  component: string;
  kind: string;
  ready: string;
  message: string;
}

const ROLE: Record<string, string> = {
  dapr: 'Dapr',
  'external-secrets': 'External Secrets Operator',
  harbor: 'Harbor',
  'kube-prometheus-stack': 'Prometheus + Grafana',
  'metrics-server': 'metrics-server',
};

export function statusRows(objects: FluxObject[], apps: string[], secrets: FluxObject[] = []): StatusRow[] {
  const row = (component: string, o: FluxObject): StatusRow => ({ component, kind: o.kind, ready: o.ready, message: o.message.split('\n')[0] ?? '' });
  const ks = objects.filter((o) => o.kind === 'Kustomization').map((o) => row(`Flux: ${o.name}`, o));
  const platform = objects.filter((o) => o.kind === 'HelmRelease' && !apps.includes(o.name)).map((o) => row(ROLE[o.name] ?? o.name, o));
  const appRows = objects.filter((o) => o.kind === 'HelmRelease' && apps.includes(o.name)).map((o) => row(`app: ${o.name}`, o));
  // ESO per app: the SecretStore signs in to Vault with the app's role, the ExternalSecret syncs its path.
  const secretRows = secrets.map((o) => row(`secrets: ${o.namespace.replace(/-ns$/, '')}`, o));
  return [...ks, ...platform, ...appRows, ...secretRows];
}

export function formatTable(rows: StatusRow[]): string {
  const head: StatusRow = { component: 'COMPONENT', kind: 'KIND', ready: 'READY', message: 'MESSAGE' };
  const all = [head, ...rows];
  const w = (k: keyof StatusRow): number => Math.max(...all.map((r) => r[k].length));
  const cw = w('component');
  const kw = w('kind');
  const rw = w('ready');
  return all.map((r) => `${r.component.padEnd(cw)}  ${r.kind.padEnd(kw)}  ${r.ready.padEnd(rw)}  ${r.message.slice(0, 100)}`).join('\n');
}
