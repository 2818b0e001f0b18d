/**
 * The policy step of `paddock check`: run the admission policies on a rendered
 * set as the cluster would, i.e. on each object as it is, and on the Pod each
 * workload turns into once the Dapr injector has added its sidecar. The
 * rendered set stands for the cluster: it is where bindings find their params
 * (the namespace's NetworkPolicy default-deny).
 */
import type { Finding } from '../report/finding.js';
import { admissionPod, hasPodTemplate } from './admission-view.js';
import { creations, findingsFor, located, type EvaluateOptions, type Submission } from './evaluator.js';
import { loadPlatformInjectorSettings, type InjectorSettings } from './injector-settings.js';
import { IDENTITIES } from './identities.js';
import { loadPolicies } from './load.js';
import { isNamespaced } from './resources.js';
import type { KubeObject, PolicySet } from './types.js';

const TENANT_LABEL = 'paddock.dev/tenant';

/** The Namespace the platform creates for an app (platform/apps/<app>/namespace.yaml). */
export function tenantNamespace(app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: `${app}-ns`,
      labels: {
        'kubernetes.io/metadata.name': `${app}-ns`,
        'pod-security.kubernetes.io/enforce': 'restricted',
        [TENANT_LABEL]: 'true',
        'paddock.dev/app': app,
      },
    },
  };
}

export interface PolicyCheckOptions extends EvaluateOptions {
  /** The policies; default: the platform's (loadPolicies()). */
  policies?: PolicySet;
  /** The Dapr injector's settings; default: the platform's Dapr release. */
  injector?: InjectorSettings;
}

const isPod = (o: KubeObject): boolean => o.kind === 'Pod' && o.apiVersion === 'v1';

function withNamespace(o: KubeObject, ns: string | undefined): KubeObject {
  if (!ns || o.metadata?.namespace || !isNamespaced(o.kind)) return o;
  return { ...o, metadata: { ...o.metadata, namespace: ns } };
}

/**
 * Runs the platform's admission policies on a rendered set the way the
 * cluster would judge it, in one call to the engine. Findings on the injected
 * Pod that repeat a finding on its workload are dropped; the rest name the
 * workload and say "as admitted".
 */
export async function checkManifests(objects: KubeObject[], options: PolicyCheckOptions = {}): Promise<Finding[]> {
  const set = options.policies ?? loadPolicies();
  const injector = options.injector ?? loadPlatformInjectorSettings();
  const originals = new Map<KubeObject, KubeObject>();
  const all: KubeObject[] = [];
  for (const o of objects) {
    if (!o || typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') continue;
    // A Pod is judged as the cluster judges it: after the Dapr injector has patched it.
    const given = withNamespace(o, options.defaultNamespace);
    const c = isPod(given) ? (admissionPod(given, injector) ?? given) : given;
    originals.set(c, o);
    all.push(c);
  }
  const locate = options.locate ? (o: KubeObject) => options.locate!(originals.get(o) ?? o) : undefined;
  const identity = options.identity ? (o: KubeObject) => options.identity!(originals.get(o) ?? o) : undefined;
  const cluster = options.cluster ?? [...all, ...(options.namespaces ?? [])];
  const direct = creations(all, { ...options, locate, identity, cluster });
  const pods: Array<{ workload: KubeObject; submission: Submission }> = [];
  for (const workload of all.filter(hasPodTemplate)) {
    const pod = admissionPod(workload, injector);
    if (!pod) continue;
    const [submission] = creations([pod], { ...options, locate: undefined, identity: () => IDENTITIES.podController, cluster });
    if (submission) pods.push({ workload, submission });
  }
  const { perSubmission, policyFindings } = await findingsFor(set, [...direct, ...pods.map((p) => p.submission)], options.file);
  const findings = [...policyFindings, ...perSubmission.slice(0, direct.length).flat()];
  // A Pod finding that repeats its own workload's finding says nothing new; another workload's is still its own.
  const key = (f: Finding, ref: string): string => `${ref}\u0000${f.rule}\u0000${f.message}`;
  const seen = new Set(findings.map((f) => key(f, f.path ?? '')));
  pods.forEach(({ workload }, i) => {
    const where = locate?.(workload);
    const ref = `${workload.kind}/${workload.metadata?.name}`;
    for (const f of perSubmission[direct.length + i] ?? []) {
      if (seen.has(key(f, ref))) continue;
      seen.add(key(f, ref));
      findings.push(...located([{ ...f, path: `${ref} (its Pod as admitted, with the Dapr sidecar)` }], where));
    }
  });
  return findings;
}
