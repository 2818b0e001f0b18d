/**
 * The evaluator against the semantics the Kubernetes documentation gives
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1), on small
 * policies written for each rule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admit, evaluate, type AdmissionRequest } from './evaluator.js';
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

test('a true validation admits, a false one denies with its message', () => {
  assert.deepEqual(admit(set(maxTwo), req(deployment(2))), []);
  const d = admit(set(maxTwo), req(deployment(3)));
  assert.equal(d.length, 1);
  assert.equal(d[0]!.kind, 'deny');
  assert.equal(d[0]!.message, 'at most two replicas');
  assert.equal(d[0]!.policy, 'max-two');
  assert.equal(d[0]!.binding, 'max-two-binding');
  assert.equal(d[0]!.object, 'Deployment/web');
});

test('messageExpression wins over message; a failing or empty one falls back to message', () => {
  const p = (messageExpression: string) =>
    policy('m', { validations: [{ expression: 'false', message: 'static', messageExpression }] });
  assert.equal(admit(set(p("'replicas: ' + string(object.spec.replicas)")), req(deployment(3)))[0]!.message, 'replicas: 3');
  assert.equal(admit(set(p('object.nope.nope')), req(deployment(3)))[0]!.message, 'static');
  assert.equal(admit(set(p("'  '")), req(deployment(3)))[0]!.message, 'static');
  assert.equal(admit(set(p('42')), req(deployment(3)))[0]!.message, 'static');
});

test('without message the denial says which expression failed', () => {
  const p = policy('bare', { validations: [{ expression: 'object.spec.replicas < 1' }] });
  assert.equal(admit(set(p), req(deployment(3)))[0]!.message, 'failed expression: object.spec.replicas < 1');
});

test('the objects a rule does not name are not judged', () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: {} };
  assert.deepEqual(admit(set(maxTwo), req(pod)), []);
  // DELETE is not among the rule's operations.
  assert.deepEqual(admit(set(maxTwo), req(null, { operation: 'DELETE', oldObject: deployment(3) })), []);
});

test('match conditions: any false skips the policy', () => {
  const p = policy('mc', {
    matchConditions: [
      { name: 'big', expression: 'object.spec.replicas > 5' },
      { name: 'broken', expression: 'object.nope.nope' },
    ],
    validations: [{ expression: 'false', message: 'denied' }],
  });
  // replicas 3: "big" is false → skipped, even though "broken" errors.
  assert.deepEqual(admit(set(p), req(deployment(3))), []);
  // replicas 9: none false, one error → failurePolicy Fail denies.
  const d = admit(set(p), req(deployment(9)));
  assert.equal(d.length, 1);
  assert.equal(d[0]!.kind, 'error');
  const ignore = { ...p, spec: { ...p.spec, failurePolicy: 'Ignore' as const } };
  assert.deepEqual(admit(set(ignore), req(deployment(9))), []);
});

test('all match conditions true: the validations run', () => {
  const p = policy('mc2', {
    matchConditions: [{ name: 'big', expression: 'object.spec.replicas > 5' }],
    validations: [{ expression: 'false', message: 'denied' }],
  });
  assert.equal(admit(set(p), req(deployment(9)))[0]!.message, 'denied');
});

test('a validation that errors follows failurePolicy', () => {
  const p = policy('err', { validations: [{ expression: 'object.spec.template.spec.hostNetwork == false', message: 'x' }] });
  const d = admit(set(p), req(deployment(1)));
  assert.equal(d[0]!.kind, 'error');
  assert.match(d[0]!.message, /expression 'object\.spec\.template\.spec\.hostNetwork == false' resulted in error/);
  assert.deepEqual(admit(set({ ...p, spec: { ...p.spec, failurePolicy: 'Ignore' } }), req(deployment(1))), []);
  // A non-bool result is an error too.
  const nonBool = policy('nb', { validations: [{ expression: '1' }] });
  assert.equal(admit(set(nonBool), req(deployment(1)))[0]!.kind, 'error');
});

test('an expression that does not compile follows failurePolicy', () => {
  const p = policy('syntax', { validations: [{ expression: 'object.spec.', message: 'x' }] });
  const d = admit(set(p), req(deployment(1)));
  assert.equal(d[0]!.kind, 'error');
  assert.match(d[0]!.message, /compilation failed/);
});

test('variables: lazy, composable, errors only when used', () => {
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
  assert.deepEqual(admit(set(p), req(deployment(2))), []);
  assert.equal(admit(set(p), req(deployment(3)))[0]!.message, 'double is 6');
  const q = policy('vars2', {
    variables: [{ name: 'broken', expression: 'object.nope.nope' }],
    validations: [{ expression: 'variables.broken == 1' }],
  });
  assert.equal(admit(set(q), req(deployment(1)))[0]!.kind, 'error');
});

test('namespaceSelector: judged against the namespace the object lives in', () => {
  const s = set(maxTwo, { matchResources: { namespaceSelector: { matchLabels: { 'paddock.dev/tenant': 'true' } } } });
  const tenant = ns('app1-ns', { 'paddock.dev/tenant': 'true' });
  assert.equal(admit(s, req(deployment(3), { namespace: tenant })).length, 1);
  assert.equal(admit(s, req(deployment(3), { namespace: ns('app1-ns') })).length, 0);
  assert.equal(admit(s, req(deployment(3))).length, 0, 'an unknown namespace has only its name label');
  // The API server labels every namespace with its name.
  const byName = set(maxTwo, {
    matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['app1-ns'] }] } },
  });
  assert.equal(admit(byName, req(deployment(3))).length, 1);
  assert.equal(admit(byName, req(deployment(3, {}, 'other'))).length, 0);
});

test('label selector operators', () => {
  const sel = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values?: string[]) =>
    set(maxTwo, { matchResources: { objectSelector: { matchExpressions: [{ key: 'tier', operator, values }] } } });
  const web = deployment(3, { tier: 'web' });
  const none = deployment(3);
  assert.equal(admit(sel('In', ['web']), req(web)).length, 1);
  assert.equal(admit(sel('In', ['db']), req(web)).length, 0);
  assert.equal(admit(sel('NotIn', ['db']), req(web)).length, 1);
  assert.equal(admit(sel('NotIn', ['web']), req(web)).length, 0);
  assert.equal(admit(sel('NotIn', ['web']), req(none)).length, 1);
  assert.equal(admit(sel('Exists'), req(none)).length, 0);
  assert.equal(admit(sel('DoesNotExist'), req(none)).length, 1);
});

test('namespaceObject is the namespace; cluster-scoped objects ignore namespaceSelector', () => {
  const p = policy('ns', {
    validations: [{ expression: "namespaceObject.metadata.labels['paddock.dev/app'] == 'app1'", message: 'wrong app' }],
  });
  const tenant = ns('app1-ns', { 'paddock.dev/app': 'app1' });
  assert.deepEqual(admit(set(p), req(deployment(1), { namespace: tenant })), []);
  assert.equal(admit(set(p), req(deployment(1), { namespace: ns('app1-ns', { 'paddock.dev/app': 'app2' }) })).length, 1);

  const crb = policy('crb', {
    matchConstraints: { resourceRules: [{ apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['v1'], resources: ['clusterrolebindings'], operations: ['CREATE'] }] },
    validations: [{ expression: 'namespaceObject == null', message: 'x' }, { expression: 'false', message: 'no cluster role bindings' }],
  });
  const s = set(crb, { matchResources: { namespaceSelector: { matchLabels: { never: 'matches' } } } });
  const obj: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' } };
  assert.deepEqual(admit(s, req(obj)).map((d) => d.message), ['no cluster role bindings']);
});

test('excludeResourceRules and resourceNames', () => {
  const p = policy('names', {
    matchConstraints: {
      resourceRules: [{ ...deployments, operations: ['CREATE'], resourceNames: ['web', 'api'] }],
      excludeResourceRules: [{ ...deployments, operations: ['CREATE'], resourceNames: ['api'] }],
    },
    validations: [{ expression: 'false', message: 'x' }],
  });
  const named = (name: string) => ({ ...deployment(1), metadata: { name, namespace: 'a' } });
  assert.equal(admit(set(p), req(named('web'))).length, 1);
  assert.equal(admit(set(p), req(named('api'))).length, 0);
  assert.equal(admit(set(p), req(named('db'))).length, 0);
});

test('a binding narrows what its policy matches', () => {
  const s = set(maxTwo, {
    matchResources: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['statefulsets'], operations: ['CREATE'] }] },
  });
  assert.equal(admit(s, req(deployment(3))).length, 0);
});

test('DELETE: object is null, oldObject is the object being deleted', () => {
  const p = policy('del', {
    matchConstraints: { resourceRules: [{ ...deployments, operations: ['DELETE'] }] },
    validations: [
      { expression: "request.operation == 'DELETE' && object == null", message: 'object should be null' },
      { expression: 'oldObject.spec.replicas < 2', message: 'may not delete a scaled deployment' },
    ],
  });
  assert.deepEqual(admit(set(p), req(null, { operation: 'DELETE', oldObject: deployment(1) })), []);
  assert.deepEqual(
    admit(set(p), req(null, { operation: 'DELETE', oldObject: deployment(3) })).map((d) => d.message),
    ['may not delete a scaled deployment'],
  );
});

test('CREATE: oldObject is null; request carries kind, resource, name, namespace', () => {
  const p = policy('req', {
    validations: [
      {
        expression:
          "oldObject == null && request.operation == 'CREATE' && request.kind.kind == 'Deployment' && request.resource.resource == 'deployments' && request.resource.group == 'apps' && request.name == 'web' && request.namespace == 'app1-ns' && params == null",
      },
    ],
  });
  assert.deepEqual(admit(set(p), req(deployment(1))), []);
});

test('validationActions: Warn gives warnings, Audit only information', () => {
  assert.equal(evaluate(set(maxTwo, { validationActions: ['Warn'] }), [deployment(3)])[0]!.severity, 'warning');
  assert.equal(evaluate(set(maxTwo, { validationActions: ['Audit'] }), [deployment(3)])[0]!.severity, 'info');
  const f = evaluate(set(maxTwo), [deployment(3)], { file: 'out.yaml' })[0]!;
  assert.deepEqual(f, { rule: 'max-two', severity: 'error', path: 'Deployment/web', message: 'at most two replicas', file: 'out.yaml' });
});

test('evaluate() finds namespaces among the objects and fills defaultNamespace', () => {
  const s = set(maxTwo, { matchResources: { namespaceSelector: { matchLabels: { t: 'y' } } } });
  const d = { ...deployment(3), metadata: { name: 'web' } };
  assert.equal(evaluate(s, [ns('app1-ns', { t: 'y' }), d], { defaultNamespace: 'app1-ns' }).length, 1);
  assert.equal(evaluate(s, [d], { defaultNamespace: 'app1-ns' }).length, 0);
});

test('params: paramRef finds its object in the request namespace; missing with Deny fails closed, with Allow skips', () => {
  const p = policy('limits', {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: "'at most ' + params.data.max" }],
  });
  const cm = (name: string, namespace: string, max: string, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { max },
  });
  const byName = (action: 'Deny' | 'Allow', namespace?: string) =>
    set(p, { paramRef: { name: 'limits', parameterNotFoundAction: action, ...(namespace ? { namespace } : {}) } });
  const cluster = [cm('limits', 'app1-ns', '2'), cm('limits', 'other', '9')];

  assert.deepEqual(admit(byName('Deny'), req(deployment(2), { cluster })), []);
  assert.equal(admit(byName('Deny'), req(deployment(3), { cluster }))[0]!.message, 'at most 2');
  // An explicit paramRef.namespace wins over the request's.
  assert.deepEqual(admit(byName('Deny', 'other'), req(deployment(3), { cluster })), []);

  const missing = admit(byName('Deny'), req(deployment(3), { cluster: [] }));
  assert.equal(missing.length, 1);
  assert.equal(missing[0]!.kind, 'error');
  assert.equal(missing[0]!.cause, 'params-not-found');
  assert.equal(missing[0]!.message, 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
  assert.deepEqual(admit(byName('Allow'), req(deployment(3), { cluster: [] })), []);

  // A selector hands every matching object to the policy, one evaluation each.
  const bySelector = set(p, { paramRef: { selector: { matchLabels: { tier: 'limits' } }, parameterNotFoundAction: 'Deny' } });
  const two = [cm('a', 'app1-ns', '5', { tier: 'limits' }), cm('b', 'app1-ns', '2', { tier: 'limits' }), cm('c', 'app1-ns', '1')];
  assert.deepEqual(admit(bySelector, req(deployment(3), { cluster: two })).map((d) => d.message), ['at most 2']);

  // Without paramRef on the binding, params is null.
  const unbound = set({ ...p, spec: { ...p.spec, validations: [{ expression: 'params == null' }] } });
  assert.deepEqual(admit(unbound, req(deployment(3), { cluster })), []);
});

test('params: evaluate() looks them up among the objects given, and says a missing one in the policy\'s words', () => {
  const p = policy('needs-limits', {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    validations: [{ expression: 'true' }],
  });
  p.metadata.annotations = { 'paddock.dev/params-not-found': 'Namespace {namespace} has no limits ConfigMap.', 'paddock.dev/fix': 'Add it.' };
  const s = set(p, { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } });
  const limits: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'app1-ns' }, data: {} };
  assert.deepEqual(evaluate(s, [deployment(1), limits]), []);
  const f = evaluate(s, [deployment(1)]);
  assert.deepEqual(f.map((x) => [x.message, x.fix]), [['Namespace app1-ns has no limits ConfigMap.', 'Add it.']]);
});
