/** Label selectors as NetworkPolicy uses them. */
import type { LabelSelector } from '../kube/labels.js';

export { selects, type LabelSelector, type LabelSelectorRequirement, type Labels } from '../kube/labels.js';

/** The namespace names a selector can only match, when it pins `kubernetes.io/metadata.name`; else undefined. */
export function pinnedNames(selector: LabelSelector | null | undefined): string[] | undefined {
  const key = 'kubernetes.io/metadata.name';
  const v = selector?.matchLabels?.[key];
  if (v !== undefined) return [String(v)];
  const req = selector?.matchExpressions?.find((r) => r.key === key && r.operator === 'In');
  return req ? (req.values ?? []).map(String) : undefined;
}
