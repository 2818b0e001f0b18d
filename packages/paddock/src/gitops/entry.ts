import { parseAllDocuments, stringify } from 'yaml';
import { kubeMinorVersion } from '../contract/platform-settings.js';
import { NAMES } from './layout.js';

/** What one app entry says: its name and the app author's values (no `platform`). */
export interface AppEntry {
  name: string;
  values: Record<string, unknown>;
}

const YAML_OPTS = { lineWidth: 0 } as const;
/** Pod Security's version: the minor of the Kubernetes the platform targets (charts/app/values.yaml platform.kubeVersion). */
const PSS_VERSION = kubeMinorVersion();

export function namespaceOf(name: string): string {
  return `${name}-ns`;
}

/** `app1-ns` → `app1`, or undefined for a namespace that is not an app's. */
export function appOfNamespace(ns: string): string | undefined {
  return ns.endsWith('-ns') ? ns.slice(0, -3) : undefined;
}

export function renderNamespace(entry: AppEntry): string {
  const { name } = entry;
  const pubsub = (entry.values.pubsub as { enabled?: boolean } | undefined)?.enabled === true;
  const ns = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespaceOf(name),
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': PSS_VERSION,
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': PSS_VERSION,
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': PSS_VERSION,
        // Binds the admission policies and the tenant provisioner (Vault role, Redis user).
        'paddock.dev/tenant': 'true',
        'paddock.dev/app': name,
        // Tells the tenant provisioner to let the app's Redis user use streams (pub/sub topics).
        ...(pubsub ? { 'paddock.dev/pubsub': 'true' } : {}),
      },
    },
  };
  return header(name, 'its namespace, whose labels bind Pod Security "restricted", the admission policies and the tenant provisioner.') + stringify(ns, YAML_OPTS);
}

export function renderRelease(entry: AppEntry): string {
  const { name, values } = entry;
  const release = {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name, namespace: NAMES.fluxNamespace, labels: { 'paddock.dev/app': name } },
    spec: {
      interval: '10m',
      timeout: '5m',
      releaseName: name,
      targetNamespace: namespaceOf(name),
      storageNamespace: namespaceOf(name),
      chartRef: { kind: 'OCIRepository', name: NAMES.chartSource, namespace: NAMES.fluxNamespace },
      install: { remediation: { retries: 3 } },
      upgrade: { cleanupOnFail: true, remediation: { retries: 3, remediateLastFailure: true } },
      driftDetection: { mode: 'enabled' },
      // Platform settings first, the app author's values on top (they carry no `platform` key).
      valuesFrom: [{ kind: 'ConfigMap', name: NAMES.settings, valuesKey: 'values.yaml' }],
      values,
    },
  };
  return header(name, `the shared chart from Harbor, with the app author's values (apps/${name}/values.yaml).`) + stringify(release, YAML_OPTS);
}

export function renderKustomization(): string {
  return stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['namespace.yaml', 'release.yaml'] }, YAML_OPTS);
}

export function renderAppChart(version: string): string {
  const source = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name: NAMES.chartSource, namespace: NAMES.fluxNamespace },
    spec: {
      interval: '10m',
      url: 'oci://paddock-control-plane:30000/platform/app',
      insecure: true,
      ref: { tag: version },
      layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
    },
  };
  return (
    '# The shared chart (charts/app), pushed to Harbor\'s `platform` project by the\n' +
    '# bootstrap; the tag is charts/app/Chart.yaml\'s version, kept in step by\n' +
    '# `npx paddock onboard`. Pods reach Harbor as paddock-control-plane:30000 (kind\'s Docker DNS).\n' +
    stringify(source, YAML_OPTS)
  );
}

function header(name: string, what: string): string {
  return `# ${name}: ${what}\n# Written by \`npx paddock onboard\`; edit the app's values file and run it again.\n`;
}

/** The app entry a release.yaml holds (name and values), or undefined when it is not one. */
export function parseRelease(text: string): AppEntry | undefined {
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { values?: Record<string, unknown> } } | null;
    if (obj?.kind === 'HelmRelease' && obj.metadata?.name) return { name: obj.metadata.name, values: obj.spec?.values ?? {} };
  }
  return undefined;
}

/** The list at values.networkPolicy[key], as a fresh array. */
export function allowList(values: Record<string, unknown>, key: 'allowIngressFrom' | 'allowEgressTo'): string[] {
  const np = values.networkPolicy as Record<string, unknown> | undefined;
  const list = np?.[key];
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/** A copy of `values` with networkPolicy[key] set to `list`. */
export function withAllowList(values: Record<string, unknown>, key: 'allowIngressFrom' | 'allowEgressTo', list: string[]): Record<string, unknown> {
  const np = { ...((values.networkPolicy as Record<string, unknown> | undefined) ?? {}) };
  np[key] = list;
  return { ...values, networkPolicy: np };
}
