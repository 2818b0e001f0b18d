/**
 * Small policies on ConfigMaps that each exercise one rule of
 * ValidatingAdmissionPolicy semantics (match conditions, failurePolicy,
 * lazy variables, messageExpression fallback, namespace and object
 * selectors), with requests whose verdicts must agree offline and on a real
 * API server.
 */
import type { KubeObject, PolicySet, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'paddock/policies/types.js';

const SEM_NS = 'semantics';
const OTHER_NS = 'semantics-unlabelled';

const configMaps = [{ apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations: ['CREATE', 'UPDATE'] as Array<'CREATE' | 'UPDATE'> }];

function policy(name: string, spec: Partial<ValidatingAdmissionPolicy['spec']>): ValidatingAdmissionPolicy {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: configMaps }, ...spec },
  };
}

function binding(name: string, extra: Partial<ValidatingAdmissionPolicyBinding['spec']['matchResources']> = {}): ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'paddock.dev/semantics': 'true' } }, ...extra },
    },
  };
}

const policies = [
  policy('sem-message-expression', {
    validations: [{ expression: "!('bad' in object.data)", message: 'static', messageExpression: "'key bad is not allowed in ' + object.metadata.name" }],
  }),
  policy('sem-message-fallback', {
    validations: [
      { expression: "!('fallback' in object.data)", message: 'static fallback message', messageExpression: "'no such key ' + string(object.nope.nope)" },
    ],
  }),
  policy('sem-no-message', { validations: [{ expression: "!('plain' in object.data)" }] }),
  policy('sem-match-conditions', {
    matchConditions: [
      { name: 'labelled', expression: "has(object.metadata.labels) && 'checked' in object.metadata.labels" },
      { name: 'has-data', expression: 'has(object.data)' },
    ],
    validations: [{ expression: "!('forbidden' in object.data)", message: 'forbidden key in a checked map' }],
  }),
  policy('sem-error-fail', {
    matchConditions: [{ name: 'targets', expression: "'boom' in object.data" }],
    validations: [{ expression: "object.data['missing-key'] == 'x'", message: 'unreachable' }],
  }),
  policy('sem-error-ignore', {
    failurePolicy: 'Ignore',
    matchConditions: [{ name: 'targets', expression: "'boom-ignored' in object.data" }],
    validations: [{ expression: "object.data['missing-key'] == 'x'", message: 'unreachable' }],
  }),
  policy('sem-variables', {
    matchConditions: [{ name: 'targets', expression: "'counted' in object.data" }],
    variables: [
      { name: 'keys', expression: 'size(object.data)' },
      { name: 'broken', expression: 'object.nope.nope' },
    ],
    validations: [
      { expression: 'variables.keys <= 3 || variables.broken', message: 'static', messageExpression: "'too many keys: ' + string(variables.keys)" },
    ],
  }),
  policy('sem-quantity', {
    matchConditions: [{ name: 'targets', expression: "'size' in object.data" }],
    validations: [
      {
        expression: "isQuantity(object.data.size) && quantity(object.data.size).isLessThan(quantity('1Gi'))",
        messageExpression: "'size ' + object.data.size + ' is not a quantity below 1Gi'",
      },
    ],
  }),
  policy('sem-object-selector', { validations: [{ expression: 'false', message: 'judged by label' }] }),
];

const bindings = [
  ...policies.filter((p) => p.metadata.name !== 'sem-object-selector').map((p) => binding(p.metadata.name!)),
  binding('sem-object-selector', { objectSelector: { matchLabels: { judged: 'true' } } }),
];

export const semanticsSet: PolicySet = { policies, bindings };

export const semanticsNamespaces: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SEM_NS, labels: { 'paddock.dev/semantics': 'true' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OTHER_NS } },
];

export interface SemanticsCase {
  name: string;
  /** `admit`; `deny` by the policy; `error` when the policy fails closed on an evaluation error. */
  expect: { verdict: 'admit' } | { verdict: 'deny' | 'error'; policy: string };
  object: KubeObject;
}

function cm(name: string, data: Record<string, string>, labels: Record<string, string> = {}, namespace = SEM_NS): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

export const semanticsCases: SemanticsCase[] = [
  { name: 'nothing wrong', expect: { verdict: 'admit' }, object: cm('fine', { a: '1' }) },
  { name: 'messageExpression gives the message', expect: { verdict: 'deny', policy: 'sem-message-expression' }, object: cm('m1', { bad: '1' }) },
  {
    name: 'a failing messageExpression falls back to message',
    expect: { verdict: 'deny', policy: 'sem-message-fallback' },
    object: cm('m2', { fallback: '1' }),
  },
  { name: 'no message: the expression is named', expect: { verdict: 'deny', policy: 'sem-no-message' }, object: cm('m3', { plain: '1' }) },
  { name: 'a false match condition skips the policy', expect: { verdict: 'admit' }, object: cm('mc1', { forbidden: '1' }) },
  {
    name: 'all match conditions true: validations run',
    expect: { verdict: 'deny', policy: 'sem-match-conditions' },
    object: cm('mc2', { forbidden: '1' }, { checked: 'yes' }),
  },
  { name: 'an evaluation error with failurePolicy Fail denies', expect: { verdict: 'error', policy: 'sem-error-fail' }, object: cm('e1', { boom: '1' }) },
  { name: 'an evaluation error with failurePolicy Ignore admits', expect: { verdict: 'admit' }, object: cm('e2', { 'boom-ignored': '1' }) },
  { name: 'a broken variable that is never read does no harm', expect: { verdict: 'admit' }, object: cm('v1', { counted: '1', b: '2' }) },
  {
    name: 'a broken variable that is read is an error',
    expect: { verdict: 'error', policy: 'sem-variables' },
    object: cm('v2', { counted: '1', b: '2', c: '3', d: '4' }),
  },
  { name: 'quantity() compares across units', expect: { verdict: 'admit' }, object: cm('q1', { size: '1023Mi' }) },
  { name: 'quantity() at the limit', expect: { verdict: 'deny', policy: 'sem-quantity' }, object: cm('q2', { size: '1024Mi' }) },
  { name: 'isQuantity refuses MB', expect: { verdict: 'deny', policy: 'sem-quantity' }, object: cm('q3', { size: '512MB' }) },
  { name: 'objectSelector picks by label', expect: { verdict: 'deny', policy: 'sem-object-selector' }, object: cm('o1', { a: '1' }, { judged: 'true' }) },
  {
    name: 'namespaceSelector: an unlabelled namespace is not judged',
    expect: { verdict: 'admit' },
    object: cm('n1', { bad: '1' }, { judged: 'true' }, OTHER_NS),
  },
];
