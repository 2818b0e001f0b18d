import { parseAllDocuments } from 'yaml';
import { stringifyUnambiguous as stringify } from '../contract/yaml-readings.js';
import { topicDeclaration } from '../connectivity/topics.js';
import { kubeMinorVersion } from '../contract/platform-settings.js';
import { NAMES } from './layout.js';

/** Where an entry came from: the values file (relative to the repository root) and its owner. */
export interface AppSource {
  file: string;
  owner?: string;
}

/** What one app entry says: its name, the app author's values (no `platform`), and where they came from. */
export interface AppEntry {
  name: string;
  values: Record<string, unknown>;
  source?: AppSource;
}

/** Annotations of the HelmRelease that record who an app entry belongs to. */
const SOURCE_ANNOTATIONS = { file: 'paddock.dev/values-file', owner: 'paddock.dev/owner' } as const;

/** Annotations of the Namespace that carry the app's topics to the tenant provisioner (platform-owned, written here only). */
const TOPIC_ANNOTATIONS = {
  publishes: 'paddock.dev/pubsub-publishes',
  subscribes: 'paddock.dev/pubsub-subscribes',
  subscribers: 'paddock.dev/pubsub-subscribers',
} as const;

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
  const topics = topicDeclaration(name, entry.values);
  const ns = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespaceOf(name),
      // The tenant provisioner turns these into the app's Redis ACL selectors (exact topic keys).
      ...(pubsub
        ? {
            annotations: {
              [TOPIC_ANNOTATIONS.publishes]: topics.publishes.join(','),
              [TOPIC_ANNOTATIONS.subscribes]: topics.subscribes.join(','),
              [TOPIC_ANNOTATIONS.subscribers]: topics.subscribers.join(','),
            },
          }
        : {}),
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
      },
    },
  };
  return (
    header(name, 'its namespace, whose labels bind Pod Security "restricted", the admission policies and the tenant provisioner.') + stringify(ns, YAML_OPTS)
  );
}

export function renderRelease(entry: AppEntry): string {
  const { name, values, source } = entry;
  // Who the name belongs to: onboarding another file (or owner) under this name needs --replace.
  const annotations = source ? { [SOURCE_ANNOTATIONS.file]: source.file, ...(source.owner ? { [SOURCE_ANNOTATIONS.owner]: source.owner } : {}) } : undefined;
  const release = {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name, namespace: NAMES.fluxNamespace, labels: { 'paddock.dev/app': name }, ...(annotations ? { annotations } : {}) },
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
  return (
    header(name, `the shared chart from Harbor, with the app author's values (${source?.file ?? `apps/${name}/values.yaml`}).`) + stringify(release, YAML_OPTS)
  );
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
    "# The shared chart (charts/app), pushed to Harbor's `platform` project by the\n" +
    "# bootstrap; the tag is charts/app/Chart.yaml's version, kept in step by\n" +
    "# `npx paddock onboard`. Pods reach Harbor as paddock-control-plane:30000 (kind's Docker DNS).\n" +
    stringify(source, YAML_OPTS)
  );
}

function header(name: string, what: string): string {
  return `# ${name}: ${what}\n# Written by \`npx paddock onboard\`; edit the app's values file and run it again.\n`;
}

/** The app entry a release.yaml holds (name and values), or undefined when it is not one. */
export function parseRelease(text: string): AppEntry | undefined {
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as {
      kind?: string;
      metadata?: { name?: string; annotations?: Record<string, string> };
      spec?: { values?: Record<string, unknown> };
    } | null;
    if (obj?.kind === 'HelmRelease' && obj.metadata?.name) {
      const a = obj.metadata.annotations ?? {};
      const file = a[SOURCE_ANNOTATIONS.file];
      const owner = a[SOURCE_ANNOTATIONS.owner];
      return { name: obj.metadata.name, values: obj.spec?.values ?? {}, ...(file ? { source: { file, ...(owner ? { owner } : {}) } } : {}) };
    }
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

/** A copy of `values` with pubsub.allowSubscribersFrom set to `list`. */
export function withSubscribers(values: Record<string, unknown>, list: string[]): Record<string, unknown> {
  return { ...values, pubsub: { ...((values.pubsub as Record<string, unknown> | undefined) ?? {}), allowSubscribersFrom: list } };
}
