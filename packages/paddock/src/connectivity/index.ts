/**
 * The connectivity check: who can reach whom across a set of apps (their
 * NetworkPolicies and Dapr access control), compared with what their values
 * files declare. See docs/connectivity.md.
 */
import type { Finding } from '../report/finding.js';
import { compareWithDeclarations } from './compare.js';
import { computeMatrix, type MatrixResult } from './matrix.js';
import type { AppInput, Platform } from './model.js';
import { defaultPlatform } from './platform.js';

export interface ConnectivityResult extends MatrixResult {
  findings: Finding[];
}

/** Compute the reach matrix of `apps` (with the platform around them) and every difference from their declarations. */
export function checkConnectivity(apps: AppInput[], options: { platform?: Platform } = {}): ConnectivityResult {
  const result = computeMatrix(apps, options.platform ?? defaultPlatform());
  return { ...result, findings: compareWithDeclarations(result) };
}

export { computeMatrix, compareWithDeclarations };
export { callBetween, explainApp, formatMatrix, reaches } from './table.js';
export { defaultPlatform, platformFromChartValues, type ChartPlatformValues } from './platform.js';
export type * from './model.js';
export { DAPR_INTERNAL_PORT } from './model.js';
export type { MatrixResult, InputProblem } from './matrix.js';
