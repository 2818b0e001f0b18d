/**
 * The evaluator (paddock-engine's admission, the API server's own code) on
 * small policies written for each rule of ValidatingAdmissionPolicy
 * semantics, and the way its answers become findings. That these answers are
 * the API server's is proven against a real one in test/policies/apiserver.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admit, evaluate, judge, type AdmissionRequest } from './evaluator.js';
import type { KubeObject, PolicySet, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from './types.js';

type Spec = ValidatingAdmissionPolicy['spec'];
const deployments = { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'] as const };

function policy(name: string, spec: Partial<Spec>): ValidatingAdmissionPolicy {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [{ ...deployments, operations: [...deployments.operations] }] }, ...spec },
  };
}

function binding(name: string, extra: Partial<ValidatingAdmissionPolicyBinding['spec']> = {}): ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: `${name}-binding` },
    spec: { policyName: name, validationActions: ['Deny'], ...extra },
  };
}

function set(p: ValidatingAdmissionPolicy, b: Partial<ValidatingAdmissionPolicyBinding['spec']> = {}): PolicySet {
  return { policies: [p], bindings: [binding(p.metadata.name!, b)] };
}

function deployment(replicas = 1, labels: Record<string, string> = {}, namespace = 'app1-ns'): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace, labels }, spec: { replicas } };
}

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const req = (object: KubeObject | null, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({ object, ...extra });

const maxTwo = policy('max-two', {
  validations: [{ expression: 'object.spec.replicas <= 2', message: 'at most two replicas' }],
});

test('a true validation admits, a false one denies with its message', async () => {
  assert.deepEqual(await admit(set(maxTwo), req(deployment(2))), []);
  const d = await admit(set(maxTwo), req(deployment(3)));
  assert.equal(d.length, 1);
  assert.equal(d[0]!.kind, 'deny');
  assert.equal(d[0]!.message, 'at most two replicas');
  assert.equal(d[0]!.policy, 'max-two');
  assert.equal(d[0]!.binding, 'max-two-binding');
  assert.equal(d[0]!.object, 'Deployment/web');
});

test('messageExpression wins over message; a failing or blank one falls back to message', async () => {
  const p = (messageExpression: string) => policy('m', { validations: [{ expression: 'false', message: 'static', messageExpression }] });
  assert.equal((await admit(set(p("'replicas: ' + string(object.spec.replicas)")), req(deployment(3))))[0]!.message, 'replicas: 3');
  assert.equal((await admit(set(p("'no ' + string(object.nope.nope)")), req(deployment(3))))[0]!.message, 'static');
  assert.equal((await admit(set(p("'  '")), req(deployment(3))))[0]!.message, 'static');
});

test('a policy the API server would refuse to create judges nothing and is reported in its words', async () => {
  const p = (messageExpression: string) => policy('m', { validations: [{ expression: 'false', message: 'static', messageExpression }] });
  const j = await judge(set(p('42')), [req(deployment(3))]);
  assert.deepEqual(j.decisions, [[]]);
  assert.deepEqual(j.problems, [
    {
      kind: 'ValidatingAdmissionPolicy',
      name: 'm',
      message:
        'ValidatingAdmissionPolicy.admissionregistration.k8s.io "m" is invalid: spec.validations[0].messageExpression: Invalid value: "42": must evaluate to string but got int',
    },
  ]);
  const f = await evaluate(set(p('42')), [deployment(3)]);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.rule, 'm');
  assert.equal(f[0]!.severity, 'error');
  assert.match(f[0]!.message, /^The API server refuses this ValidatingAdmissionPolicy, so it would guard nothing: .*must evaluate to string/);
});

test('without message the denial says which expression failed', async () => {
  const p = policy('bare', { validations: [{ expression: 'object.spec.replicas < 1' }] });
  assert.equal((await admit(set(p), req(deployment(3))))[0]!.message, 'failed expression: object.spec.replicas < 1');
});

test('the objects a rule does not name are not judged', async () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: {} };
  assert.deepEqual(await admit(set(maxTwo), req(pod)), []);
  // DELETE is not among the rule's operations.
  assert.deepEqual(await admit(set(maxTwo), req(null, { operation: 'DELETE', oldObject: deployment(3) })), []);
});

test('match conditions: any false skips the policy', async () => {
  const p = policy('mc', {
    matchConditions: [
      { name: 'big', expression: 'object.spec.replicas > 5' },
      { name: 'broken', expression: "object.nope.nope == 'x'" },
    ],
    validations: [{ expression: 'false', message: 'denied' }],
  });
  // replicas 3: "big" is false → skipped, even though "broken" errors.
  assert.deepEqual(await admit(set(p), req(deployment(3))), []);
  // replicas 9: none false, one error → failurePolicy Fail denies.
  const d = await admit(set(p), req(deployment(9)));
  assert.equal(d.length, 1);
  assert.equal(d[0]!.kind, 'error');
  const ignore = { ...p, spec: { ...p.spec, failurePolicy: 'Ignore' as const } };
  assert.deepEqual(await admit(set(ignore), req(deployment(9))), []);
});

test('all match conditions true: the validations run', async () => {
  const p = policy('mc2', {
    matchConditions: [{ name: 'big', expression: 'object.spec.replicas > 5' }],
    validations: [{ expression: 'false', message: 'denied' }],
  });
  assert.equal((await admit(set(p), req(deployment(9))))[0]!.message, 'denied');
});

test('a validation that errors follows failurePolicy', async () => {
  const p = policy('err', { validations: [{ expression: 'object.spec.template.spec.hostNetwork == false', message: 'x' }] });
  const d = await admit(set(p), req(deployment(1)));
  assert.equal(d[0]!.kind, 'error');
  assert.match(d[0]!.message, /expression 'object\.spec\.template\.spec\.hostNetwork == false' resulted in error/);
  assert.deepEqual(await admit(set({ ...p, spec: { ...p.spec, failurePolicy: 'Ignore' } }), req(deployment(1))), []);
});

test('an expression that does not compile, or is not a bool, makes the policy one the API server refuses', async () => {
  const syntax = await judge(set(policy('syntax', { validations: [{ expression: 'object.spec.', message: 'x' }] })), [req(deployment(1))]);
  assert.match(
    syntax.problems[0]!.message,
    /spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.": compilation failed: ERROR: <input>:1:13: Syntax error/,
  );
  const nonBool = await judge(set(policy('nb', { validations: [{ expression: '1' }] })), [req(deployment(1))]);
  assert.match(nonBool.problems[0]!.message, /must evaluate to bool but got int/);
});

test('variables: lazy, composable, errors only when used', async () => {
  const p = policy('vars', {
    variables: [
      { name: 'r', expression: 'object.spec.replicas' },
      { name: 'double', expression: 'variables.r * 2' },
      { name: 'broken', expression: 'object.nope.nope' },
    ],
    validations: [
      { expression: 'variables.double <= 4', messageExpression: "'double is ' + string(variables.double)" },
      { expression: 'variables.r > 0 || variables.broken' },
    ],
  });
  assert.deepEqual(await admit(set(p), req(deployment(2))), []);
  assert.equal((await admit(set(p), req(deployment(3))))[0]!.message, 'double is 6');
  const q = policy('vars2', {
    variables: [{ name: 'broken', expression: 'object.nope.nope' }],
    validations: [{ expression: 'variables.broken == 1' }],
  });
  assert.equal((await admit(set(q), req(deployment(1))))[0]!.kind, 'error');
});

test('namespaceSelector: judged against the namespace the object lives in', async () => {
  const s = set(maxTwo, { matchResources: { namespaceSelector: { matchLabels: { 'paddock.dev/tenant': 'true' } } } });
  const tenant = ns('app1-ns', { 'paddock.dev/tenant': 'true' });
  assert.equal((await admit(s, req(deployment(3), { namespace: tenant }))).length, 1);
  assert.equal((await admit(s, req(deployment(3), { namespace: ns('app1-ns') }))).length, 0);
  assert.equal((await admit(s, req(deployment(3)))).length, 0, 'an unknown namespace has only its name label');
  // The API server labels every namespace with its name.
  const byName = set(maxTwo, {
    matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['app1-ns'] }] } },
  });
  assert.equal((await admit(byName, req(deployment(3)))).length, 1);
  assert.equal((await admit(byName, req(deployment(3, {}, 'other')))).length, 0);
});

test('label selector operators', async () => {
  const sel = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values?: string[]) =>
    set(maxTwo, { matchResources: { objectSelector: { matchExpressions: [{ key: 'tier', operator, values }] } } });
  const web = deployment(3, { tier: 'web' });
  const none = deployment(3);
  assert.equal((await admit(sel('In', ['web']), req(web))).length, 1);
  assert.equal((await admit(sel('In', ['db']), req(web))).length, 0);
  assert.equal((await admit(sel('NotIn', ['db']), req(web))).length, 1);
  assert.equal((await admit(sel('NotIn', ['web']), req(web))).length, 0);
  assert.equal((await admit(sel('NotIn', ['web']), req(none))).length, 1);
  assert.equal((await admit(sel('Exists'), req(none))).length, 0);
  assert.equal((await admit(sel('DoesNotExist'), req(none))).length, 1);
});

test('namespaceObject is the namespace; cluster-scoped objects ignore namespaceSelector', async () => {
  const p = policy('ns', {
    validations: [{ expression: "namespaceObject.metadata.labels['paddock.dev/app'] == 'app1'", message: 'wrong app' }],
  });
  const tenant = ns('app1-ns', { 'paddock.dev/app': 'app1' });
  assert.deepEqual(await admit(set(p), req(deployment(1), { namespace: tenant })), []);
  assert.equal((await admit(set(p), req(deployment(1), { namespace: ns('app1-ns', { 'paddock.dev/app': 'app2' }) }))).length, 1);

  const crb = policy('crb', {
    matchConstraints: {
      resourceRules: [{ apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['v1'], resources: ['clusterrolebindings'], operations: ['CREATE'] }],
    },
    validations: [
      { expression: 'namespaceObject == null', message: 'x' },
      { expression: 'false', message: 'no cluster role bindings' },
    ],
  });
  const s = set(crb, { matchResources: { namespaceSelector: { matchLabels: { never: 'matches' } } } });
  const obj: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' } };
  assert.deepEqual(
    (await admit(s, req(obj))).map((d) => d.message),
    ['no cluster role bindings'],
  );
});

test('excludeResourceRules and resourceNames', async () => {
  const p = policy('names', {
    matchConstraints: {
      resourceRules: [{ ...deployments, operations: ['CREATE'], resourceNames: ['web', 'api'] }],
      excludeResourceRules: [{ ...deployments, operations: ['CREATE'], resourceNames: ['api'] }],
    },
    validations: [{ expression: 'false', message: 'x' }],
  });
  const named = (name: string) => ({ ...deployment(1), metadata: { name, namespace: 'a' } });
  assert.equal((await admit(set(p), req(named('web')))).length, 1);
  assert.equal((await admit(set(p), req(named('api')))).length, 0);
  assert.equal((await admit(set(p), req(named('db')))).length, 0);
});

test('a binding narrows what its policy matches', async () => {
  const s = set(maxTwo, {
    matchResources: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['statefulsets'], operations: ['CREATE'] }] },
  });
  assert.equal((await admit(s, req(deployment(3)))).length, 0);
});

test('DELETE: object is null, oldObject is the object being deleted', async () => {
  const p = policy('del', {
    matchConstraints: { resourceRules: [{ ...deployments, operations: ['DELETE'] }] },
    validations: [
      { expression: "request.operation == 'DELETE' && object == null", message: 'object should be null' },
      { expression: 'oldObject.spec.replicas < 2', message: 'may not delete a scaled deployment' },
    ],
  });
  assert.deepEqual(await admit(set(p), req(null, { operation: 'DELETE', oldObject: deployment(1) })), []);
  assert.deepEqual(
    (await admit(set(p), req(null, { operation: 'DELETE', oldObject: deployment(3) }))).map((d) => d.message),
    ['may not delete a scaled deployment'],
  );
});

test('CREATE: oldObject is null; request carries kind, resource, name, namespace', async () => {
  const p = policy('req', {
    validations: [
      {
        expression:
          "oldObject == null && request.operation == 'CREATE' && request.kind.kind == 'Deployment' && request.resource.resource == 'deployments' && request.resource.group == 'apps' && request.name == 'web' && request.namespace == 'app1-ns' && params == null",
      },
    ],
  });
  assert.deepEqual(await admit(set(p), req(deployment(1))), []);
});

test('validationActions: Warn gives warnings, Audit only information', async () => {
  assert.equal((await evaluate(set(maxTwo, { validationActions: ['Warn'] }), [deployment(3)]))[0]!.severity, 'warning');
  assert.equal((await evaluate(set(maxTwo, { validationActions: ['Audit'] }), [deployment(3)]))[0]!.severity, 'info');
  const f = (await evaluate(set(maxTwo), [deployment(3)], { file: 'out.yaml' }))[0]!;
  assert.deepEqual(f, { rule: 'max-two', severity: 'error', path: 'Deployment/web', message: 'at most two replicas', file: 'out.yaml' });
});

test('evaluate() finds namespaces among the objects and fills defaultNamespace', async () => {
  const s = set(maxTwo, { matchResources: { namespaceSelector: { matchLabels: { t: 'y' } } } });
  const d = { ...deployment(3), metadata: { name: 'web' } };
  assert.equal((await evaluate(s, [ns('app1-ns', { t: 'y' }), d], { defaultNamespace: 'app1-ns' })).length, 1);
  assert.equal((await evaluate(s, [d], { defaultNamespace: 'app1-ns' })).length, 0);
});

test('params: paramRef finds its object in the request namespace; missing with Deny fails closed, with Allow skips', async () => {
  const p = policy('limits', {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: "'at most ' + params.data.max" }],
  });
  const cm = (name: string, namespace: string, max: string, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels },
    data: { max },
  });
  const byName = (action: 'Deny' | 'Allow', namespace?: string) =>
    set(p, { paramRef: { name: 'limits', parameterNotFoundAction: action, ...(namespace ? { namespace } : {}) } });
  const cluster = [cm('limits', 'app1-ns', '2'), cm('limits', 'other', '9')];

  assert.deepEqual(await admit(byName('Deny'), req(deployment(2), { cluster })), []);
  assert.equal((await admit(byName('Deny'), req(deployment(3), { cluster })))[0]!.message, 'at most 2');
  // An explicit paramRef.namespace wins over the request's.
  assert.deepEqual(await admit(byName('Deny', 'other'), req(deployment(3), { cluster })), []);

  const missing = await admit(byName('Deny'), req(deployment(3), { cluster: [] }));
  assert.equal(missing.length, 1);
  assert.equal(missing[0]!.kind, 'error');
  assert.equal(missing[0]!.cause, 'params-not-found');
  assert.equal(missing[0]!.message, 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
  assert.deepEqual(await admit(byName('Allow'), req(deployment(3), { cluster: [] })), []);

  // A selector hands every matching object to the policy, one evaluation each.
  const bySelector = set(p, { paramRef: { selector: { matchLabels: { tier: 'limits' } }, parameterNotFoundAction: 'Deny' } });
  const two = [cm('a', 'app1-ns', '5', { tier: 'limits' }), cm('b', 'app1-ns', '2', { tier: 'limits' }), cm('c', 'app1-ns', '1')];
  assert.deepEqual(
    (await admit(bySelector, req(deployment(3), { cluster: two }))).map((d) => d.message),
    ['at most 2'],
  );

  // Without paramRef on the binding, params is null.
  const unbound = set({ ...p, spec: { ...p.spec, validations: [{ expression: 'params == null' }] } });
  assert.deepEqual(await admit(unbound, req(deployment(3), { cluster })), []);
});

test("params: evaluate() looks them up among the objects given, and says a missing one in the policy's words", async () => {
  const p = policy('needs-limits', {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    validations: [{ expression: 'true' }],
  });
  p.metadata.annotations = { 'paddock.dev/params-not-found': 'Namespace {namespace} has no limits ConfigMap.', 'paddock.dev/fix': 'Add it.' };
  const s = set(p, { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } });
  const limits: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'app1-ns' }, data: {} };
  assert.deepEqual(await evaluate(s, [deployment(1), limits]), []);
  const f = await evaluate(s, [deployment(1)]);
  assert.deepEqual(
    f.map((x) => [x.message, x.fix]),
    [['Namespace app1-ns has no limits ConfigMap.', 'Add it.']],
  );
});
