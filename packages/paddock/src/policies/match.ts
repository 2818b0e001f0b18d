/**
 * Which admission requests a policy and its binding apply to: resource rules,
 * namespace and object selectors, as documented for
 * admissionregistration.k8s.io/v1 MatchResources.
 */
import { selects } from '../kube/labels.js';
import type { GroupVersionResource } from './resources.js';
import type { KubeObject, LabelSelector, MatchResources, NamedRuleWithOperations, Operation } from './types.js';

/** Label selector semantics are the same everywhere; `labels` may be absent (no labels). */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return selects(selector, labels ?? {});
}

export interface AdmissionTarget {
  gvr: GroupVersionResource;
  subResource: string;
  operation: Operation;
  name: string;
  namespaced: boolean;
  /** Labels of the object (new, else old). */
  objectLabels: Array<Record<string, string> | undefined>;
  /** The namespace's labels; for a Namespace, the object's own. Undefined for other cluster-scoped objects. */
  namespaceLabels: Record<string, string> | undefined;
  isNamespace: boolean;
}

function listMatches(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value);
}

function resourceMatches(patterns: string[] | undefined, resource: string, sub: string): boolean {
  return (patterns ?? []).some((p) => {
    const [pr, ps] = p.split('/', 2) as [string, string | undefined];
    if (ps === undefined) return sub === '' && (pr === '*' || pr === resource);
    return (pr === '*' || pr === resource) && (ps === '*' || ps === sub);
  });
}

export function ruleMatches(rule: NamedRuleWithOperations, t: AdmissionTarget): boolean {
  if (!listMatches(rule.operations, t.operation)) return false;
  if (!listMatches(rule.apiGroups, t.gvr.group)) return false;
  if (!listMatches(rule.apiVersions, t.gvr.version)) return false;
  if (!resourceMatches(rule.resources, t.gvr.resource, t.subResource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && t.namespaced) return false;
  if (scope === 'Namespaced' && !t.namespaced) return false;
  if (rule.resourceNames?.length && !rule.resourceNames.includes(t.name)) return false;
  return true;
}

/**
 * Does `m` select the request? `requireRules`: a policy's matchConstraints must
 * name resources; a binding's matchResources without rules means "everything the
 * policy matches".
 */
export function matchResources(m: MatchResources | undefined, t: AdmissionTarget, requireRules: boolean): boolean {
  if (!m) return !requireRules;
  if (t.isNamespace || t.namespaced) {
    if (!selectorMatches(m.namespaceSelector, t.namespaceLabels)) return false;
  }
  if (m.objectSelector && !t.objectLabels.some((l) => selectorMatches(m.objectSelector, l))) return false;
  const rules = m.resourceRules ?? [];
  if (rules.length === 0) {
    if (requireRules) return false;
  } else if (!rules.some((r) => ruleMatches(r, t))) {
    return false;
  }
  if ((m.excludeResourceRules ?? []).some((r) => ruleMatches(r, t))) return false;
  return true;
}

export function targetOf(
  object: KubeObject | null,
  oldObject: KubeObject | null,
  operation: Operation,
  gvr: GroupVersionResource,
  namespaced: boolean,
  namespace: KubeObject | null,
): AdmissionTarget {
  const subject = (object ?? oldObject)!;
  const isNamespace = gvr.group === '' && gvr.resource === 'namespaces';
  const objectLabels: Array<Record<string, string> | undefined> = [];
  if (object) objectLabels.push(object.metadata?.labels);
  if (oldObject) objectLabels.push(oldObject.metadata?.labels);
  return {
    gvr,
    subResource: '',
    operation,
    name: subject.metadata?.name ?? '',
    namespaced,
    objectLabels,
    namespaceLabels: isNamespace ? subject.metadata?.labels ?? {} : namespace?.metadata?.labels ?? {},
    isNamespace,
  };
}
