export { planOnboard, chartVersion, readEntries } from './onboard.js';
export { planOffboard } from './offboard.js';
export { applyChanges, unifiedDiff, actionOf, type Plan, type FileChange } from './changes.js';
export { layout, NAMES } from './layout.js';
export { parseRelease, renderRelease, renderNamespace, allowList, type AppEntry } from './entry.js';
export { loadTree, checkFluxGraph, type TreeObject } from './graph.js';
