export { planOnboard, chartVersion, sourceOf } from './onboard.js';
export { planOffboard } from './offboard.js';
export { applyChanges } from './changes.js';
export { loadTree, checkFluxGraph, type TreeObject } from './graph.js';
