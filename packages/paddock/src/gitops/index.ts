export { planOnboard, chartVersion, readEntries, sourceOf, type OnboardResult } from './onboard.js';
export { planOffboard } from './offboard.js';
export { applyChanges, unifiedDiff, actionOf, type Plan, type FileChange, type Proposal } from './changes.js';
export { layout, NAMES } from './layout.js';
export { parseRelease, renderRelease, renderNamespace, allowList, SOURCE_ANNOTATIONS, TOPIC_ANNOTATIONS, type AppEntry, type AppSource } from './entry.js';
export { onboardNameProblem, reservedNames, type ReservedNames } from './names.js';
export { loadTree, checkFluxGraph, type TreeObject } from './graph.js';
