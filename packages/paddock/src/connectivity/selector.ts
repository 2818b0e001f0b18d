/** Label selectors as NetworkPolicy uses them. */
import type { LabelSelector } from '../kube/labels.js';

export { selects, type LabelSelector, type Labels } from '../kube/labels.js';

/** The namespace names a selector can only match, when it pins `kubernetes.io/metadata.name`; else undefined. */
export function pinnedNames(selector: LabelSelector | null | undefined): string[] | undefined {
  const key = 'kubernetes.io/metadata.name';
  const ml = selector?.matchLabels;
  const v = ml && typeof ml === 'object' ? ml[key] : undefined;
  if (v !== undefined) return [String(v)];
  const exprs = Array.isArray(selector?.matchExpressions) ? selector.matchExpressions : [];
  const req = exprs.find((r) => r?.key === key && r.operator === 'In');
  return req ? (Array.isArray(req.values) ? req.values.map(String) : []) : undefined;
}
