/** The parts of Kubernetes objects the policy evaluator reads. */

interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  [k: string]: unknown;
}

/** Any Kubernetes object as parsed from YAML. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

import type { LabelSelector } from '../kube/labels.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

interface NamedRuleWithOperations {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: Array<Operation | '*'>;
  scope?: 'Cluster' | 'Namespaced' | '*';
  resourceNames?: string[];
}

interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: NamedRuleWithOperations[];
  excludeResourceRules?: NamedRuleWithOperations[];
  matchPolicy?: 'Exact' | 'Equivalent';
}

interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface ValidatingAdmissionPolicy extends KubeObject {
  kind: 'ValidatingAdmissionPolicy';
  spec: {
    paramKind?: { apiVersion?: string; kind?: string };
    matchConstraints?: MatchResources;
    failurePolicy?: 'Fail' | 'Ignore';
    matchConditions?: Array<{ name: string; expression: string }>;
    variables?: Array<{ name: string; expression: string }>;
    validations?: Validation[];
    auditAnnotations?: Array<{ key: string; valueExpression: string }>;
  };
}

export interface ValidatingAdmissionPolicyBinding extends KubeObject {
  kind: 'ValidatingAdmissionPolicyBinding';
  spec: {
    policyName: string;
    paramRef?: {
      name?: string;
      namespace?: string;
      selector?: LabelSelector;
      parameterNotFoundAction?: 'Allow' | 'Deny';
    };
    matchResources?: MatchResources;
    validationActions?: Array<'Deny' | 'Warn' | 'Audit'>;
  };
}

/**
 * Policies and the bindings that put them to work: a plain value (JSON), the
 * same for the offline evaluator and for `check --server`, which installs it.
 */
export interface PolicySet {
  policies: ValidatingAdmissionPolicy[];
  bindings: ValidatingAdmissionPolicyBinding[];
  /** Other objects that came with them and exist in the cluster: the params bindings name (ConfigMaps, custom resources). */
  params?: KubeObject[];
  /** The file each came from, by `Kind/name` (params: `Kind/namespace/name`). */
  origin?: Record<string, string>;
}
