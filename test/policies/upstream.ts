/**
 * The agreement suite's upstream part: ValidatingAdmissionPolicies nobody
 * here wrote, with the requests and the verdicts their authors document.
 *
 * - The examples of the Kubernetes documentation
 *   (kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/,
 *   files under kubernetes/website content/en/examples/{validatingadmissionpolicy,access}/).
 * - Cases of Kubernetes' own tests: k8s.io/kubernetes@v1.35.8
 *   test/integration/apiserver/cel/validatingadmissionpolicy_test.go (the
 *   expected messages are theirs), and the CEL libraries of
 *   k8s.io/apiserver@v0.35.8 pkg/cel/library (one policy per library, the
 *   calls its tests make).
 *
 * Adapted, not changed in meaning: names carry the case id so that every case
 * can be installed on one API server at once (the messages name them);
 * examples written for v1alpha1/v1beta1 are given as v1 (the API server serves
 * v1 only) and the v1beta1 spelling is a case of its own; objects are complete
 * enough for the API server's own validation to let them through to admission.
 * Each binding is narrowed to its case's objects by the harness (an
 * objectSelector on `agreement.paddock.dev/case`), the same offline and on
 * the server.
 */
import type { KubeObject } from 'paddock/policies/types.js';

const V1 = 'admissionregistration.k8s.io/v1';
export const CASE_LABEL = 'agreement.paddock.dev/case';

type Expect = { allowed: true; warnings?: string[]; annotations?: Record<string, string> } | { allowed: false; message?: string | RegExp; code?: number };

export interface AgreementRequest {
  name: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  /** The object sent (CREATE, UPDATE). */
  object?: KubeObject;
  /** For UPDATE and DELETE: the object that exists (created in setup, under the same name). */
  oldObject?: KubeObject;
  /** What the upstream source documents. */
  expect: Expect;
}

export interface AgreementCase {
  id: string;
  name: string;
  /** Where it comes from. */
  source: string;
  /** Created before the policies: namespaces, CRDs, params, objects that UPDATE and DELETE requests change. */
  setup?: KubeObject[];
  /** ValidatingAdmissionPolicies and bindings. */
  policies: KubeObject[];
  /**
   * What the API server answers when they are created, by `Kind/name`, when it
   * refuses one (upstream's documented message, or a pattern of it).
   */
  refused?: Record<string, string | RegExp>;
  requests: AgreementRequest[];
  /** The Kubernetes minor whose CEL environment the case needs (new expressions use the previous minor's libraries). */
  since?: number;
}

type Spec = Record<string, unknown>;

const DOCS = 'kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/';
const K8S_IT = 'k8s.io/kubernetes@v1.35.8 test/integration/apiserver/cel/validatingadmissionpolicy_test.go';
const CEL_LIB = 'k8s.io/apiserver@v0.35.8 pkg/cel/library';

function policy(name: string, spec: Spec, apiVersion = V1): KubeObject {
  return { apiVersion, kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec };
}

function binding(name: string, policyName: string, spec: Spec = {}): KubeObject {
  return { apiVersion: V1, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } };
}

function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function deployment(name: string, ns: string, opts: { replicas?: number; image?: string; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: opts.labels ?? {} },
    spec: {
      ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: opts.image ?? 'nginx:1.27' }] } },
    },
  };
}

function configMap(name: string, ns: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data };
}

const deployments = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }];
const configMaps = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }];
const namespaces = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'] }];

/** The ReplicaLimit parameter CRD the documentation's examples assume (rules.example.com/v1). */
const replicaLimitCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'replicalimits.rules.example.com' },
  spec: {
    group: 'rules.example.com',
    scope: 'Namespaced',
    names: { kind: 'ReplicaLimit', plural: 'replicalimits', singular: 'replicalimit', listKind: 'ReplicaLimitList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { maxReplicas: { type: 'integer' }, optionalNumber: { type: 'integer' } } } },
      },
    ],
  },
};

function replicaLimit(name: string, ns: string, fields: Record<string, number>): KubeObject {
  return { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit', metadata: { name, namespace: ns }, ...fields };
}

const forbidden = (resource: string, name: string, policyName: string, bindingName: string, message: string) =>
  `${resource} "${name}" is forbidden: ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}' denied request: ${message}`;

/** A policy on ConfigMaps whose one validation exercises a CEL library. */
function library(
  id: string,
  name: string,
  expression: string,
  good: Record<string, string>,
  bad: Record<string, string>,
  since?: number,
  source = CEL_LIB,
): AgreementCase {
  const ns = `agr-${id}`;
  const p = `${id}-policy`;
  return {
    id,
    name,
    source,
    since,
    setup: [namespace(ns)],
    policies: [
      policy(p, {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: configMaps },
        validations: [{ expression, messageExpression: `'${name} refuses ' + object.metadata.name` }],
      }),
      binding(`${id}-binding`, p),
    ],
    requests: [
      { name: 'passes', object: configMap('good', ns, good), expect: { allowed: true } },
      {
        name: 'fails',
        object: configMap('bad', ns, bad),
        expect: { allowed: false, message: forbidden('configmaps', 'bad', p, `${id}-binding`, `${name} refuses bad`) },
      },
    ],
  };
}

export function upstreamCases(): AgreementCase[] {
  const cases: AgreementCase[] = [];

  // --- The documentation -------------------------------------------------
  {
    const id = 'd01';
    const test = `agr-${id}-test`;
    const other = `agr-${id}-other`;
    cases.push({
      id,
      name: 'basic example: at most 5 replicas in the test environment',
      source: `${DOCS} (basic-example-policy.yaml, basic-example-binding.yaml)`,
      setup: [namespace(test, { environment: 'test' }), namespace(other)],
      policies: [
        policy('d01-demo-policy.example.com', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: deployments },
          validations: [{ expression: 'object.spec.replicas <= 5' }],
        }),
        binding('d01-demo-binding-test.example.com', 'd01-demo-policy.example.com', {
          matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } },
        }),
      ],
      requests: [
        {
          name: '6 replicas are refused',
          object: deployment('six', test, { replicas: 6 }),
          expect: {
            allowed: false,
            message: forbidden(
              'deployments.apps',
              'six',
              'd01-demo-policy.example.com',
              'd01-demo-binding-test.example.com',
              'failed expression: object.spec.replicas <= 5',
            ),
          },
        },
        { name: '5 replicas pass', object: deployment('five', test, { replicas: 5 }), expect: { allowed: true } },
        { name: 'no replicas field: the API server defaults it to 1', object: deployment('unset', test), expect: { allowed: true } },
        { name: 'outside the test environment nothing is judged', object: deployment('many', other, { replicas: 50 }), expect: { allowed: true } },
      ],
    });
  }
  {
    const id = 'd02';
    const test = `agr-${id}-test`;
    const prod = `agr-${id}-prod`;
    const params = `agr-${id}-params`;
    const p = 'd02-replicalimit-policy.example.com';
    cases.push({
      id,
      name: 'params: a ReplicaLimit per environment, two bindings',
      source: `${DOCS} (policy-with-param.yaml, binding-with-param.yaml, binding-with-param-prod.yaml, replicalimit-param*.yaml)`,
      setup: [
        replicaLimitCrd,
        namespace(test, { environment: 'test' }),
        namespace(prod, { environment: 'prod' }),
        namespace(params),
        replicaLimit('replica-limit-test.example.com', params, { maxReplicas: 3 }),
        replicaLimit('replica-limit-prod.example.com', params, { maxReplicas: 100 }),
      ],
      policies: [
        policy(p, {
          failurePolicy: 'Fail',
          paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
          matchConstraints: { resourceRules: deployments },
          validations: [{ expression: 'object.spec.replicas <= params.maxReplicas', reason: 'Invalid' }],
        }),
        binding('d02-replicalimit-binding-test.example.com', p, {
          paramRef: { name: 'replica-limit-test.example.com', namespace: params, parameterNotFoundAction: 'Deny' },
          matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } },
        }),
        binding('d02-replicalimit-binding-nontest', p, {
          paramRef: { name: 'replica-limit-prod.example.com', namespace: params, parameterNotFoundAction: 'Deny' },
          matchResources: { namespaceSelector: { matchExpressions: [{ key: 'environment', operator: 'NotIn', values: ['test'] }] } },
        }),
      ],
      requests: [
        {
          name: '4 replicas in test are refused',
          object: deployment('four', test, { replicas: 4 }),
          expect: {
            allowed: false,
            message: forbidden(
              'deployments.apps',
              'four',
              p,
              'd02-replicalimit-binding-test.example.com',
              'failed expression: object.spec.replicas <= params.maxReplicas',
            ),
          },
        },
        { name: '3 replicas in test pass', object: deployment('three', test, { replicas: 3 }), expect: { allowed: true } },
        { name: '4 replicas in prod pass', object: deployment('four', prod, { replicas: 4 }), expect: { allowed: true } },
        {
          name: '101 replicas in prod are refused',
          object: deployment('lots', prod, { replicas: 101 }),
          expect: {
            allowed: false,
            message: forbidden(
              'deployments.apps',
              'lots',
              p,
              'd02-replicalimit-binding-nontest',
              'failed expression: object.spec.replicas <= params.maxReplicas',
            ),
          },
        },
      ],
    });
  }
  {
    const id = 'd03';
    const ns = `agr-${id}`;
    const p = 'd03-deploy-replica-policy.example.com';
    cases.push({
      id,
      name: 'messageExpression names the limit from params; a missing param refuses (Deny) or skips (Allow)',
      source: `${DOCS} (access/deployment-replicas-policy.yaml)`,
      setup: [replicaLimitCrd, namespace(ns), replicaLimit('limit', ns, { maxReplicas: 3 })],
      policies: [
        policy(p, {
          paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
          matchConstraints: { resourceRules: deployments },
          validations: [
            {
              expression: 'object.spec.replicas <= params.maxReplicas',
              messageExpression: "'object.spec.replicas must be no greater than ' + string(params.maxReplicas)",
              reason: 'Invalid',
            },
          ],
        }),
        binding('d03-demo-binding-test.example.com', p, { paramRef: { name: 'limit', parameterNotFoundAction: 'Deny' } }),
        policy('d03-missing', {
          paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
          matchConstraints: { resourceRules: deployments },
          validations: [{ expression: 'true' }],
        }),
        binding('d03-missing-deny', 'd03-missing', {
          paramRef: { name: 'nowhere', parameterNotFoundAction: 'Deny' },
          matchResources: { objectSelector: { matchLabels: { missing: 'deny' } } },
        }),
        binding('d03-missing-allow', 'd03-missing', {
          paramRef: { name: 'nowhere', parameterNotFoundAction: 'Allow' },
          matchResources: { objectSelector: { matchLabels: { missing: 'allow' } } },
        }),
      ],
      requests: [
        {
          name: '5 replicas are refused with the limit in the message',
          object: deployment('nginx', ns, { replicas: 5 }),
          expect: {
            allowed: false,
            message: forbidden('deployments.apps', 'nginx', p, 'd03-demo-binding-test.example.com', 'object.spec.replicas must be no greater than 3'),
          },
        },
        {
          name: 'a param that is not there, with Deny',
          object: deployment('m1', ns, { replicas: 1, labels: { missing: 'deny' } }),
          expect: {
            allowed: false,
            message: forbidden(
              'deployments.apps',
              'm1',
              'd03-missing',
              'd03-missing-deny',
              'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction',
            ),
          },
        },
        {
          name: 'a param that is not there, with Allow',
          object: deployment('m2', ns, { replicas: 1, labels: { missing: 'allow' } }),
          expect: { allowed: true },
        },
      ],
    });
  }
  {
    const id = 'd04';
    const ns = `agr-${id}`;
    const p = 'd04-demo-policy.example.com';
    const matchConditions = [
      { name: 'exclude-leases', expression: '!(request.resource.group == "coordination.k8s.io" && request.resource.resource == "leases")' },
      { name: 'exclude-kubelet-requests', expression: '!("system:nodes" in request.userInfo.groups)' },
      { name: 'rbac', expression: 'request.resource.group != "rbac.authorization.k8s.io"' },
    ];
    const all = [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['*'] }];
    cases.push({
      id,
      name: 'matchConditions: leases, kubelets and RBAC skipped; the documented typo (startWith) is refused at creation',
      source: `${DOCS} (access/validating-admission-policy-match-conditions.yaml)`,
      setup: [namespace(ns)],
      policies: [
        policy('d04-as-documented', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: all },
          matchConditions,
          validations: [{ expression: "object.metadata.name.startWith('demo')" }],
        }),
        policy(p, {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: all },
          matchConditions,
          validations: [{ expression: "object.metadata.name.startsWith('demo')" }],
        }),
        binding('d04-binding', p),
      ],
      refused: {
        'ValidatingAdmissionPolicy/d04-as-documented':
          /spec\.validations\[0\]\.expression: Invalid value: "object\.metadata\.name\.startWith\('demo'\)": compilation failed: ERROR: <input>:1:\d+: undeclared reference to 'startWith'/,
      },
      requests: [
        { name: 'a ConfigMap named demo… passes', object: configMap('demo-config', ns), expect: { allowed: true } },
        {
          name: 'another ConfigMap is refused',
          object: configMap('config', ns),
          expect: {
            allowed: false,
            message: forbidden('configmaps', 'config', p, 'd04-binding', "failed expression: object.metadata.name.startsWith('demo')"),
          },
        },
        {
          name: 'a Lease is skipped',
          object: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lease', namespace: ns }, spec: {} },
          expect: { allowed: true },
        },
        {
          name: 'a Role is skipped',
          object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'role', namespace: ns }, rules: [] },
          expect: { allowed: true },
        },
      ],
    });
  }
  {
    const id = 'd05';
    const ns = `agr-${id}`;
    const p = 'd05-demo-policy.example.com';
    cases.push({
      id,
      name: 'auditAnnotations and the Audit action: allowed, recorded',
      source: `${DOCS} (access/validating-admission-policy-audit-annotation.yaml)`,
      setup: [namespace(ns)],
      policies: [
        policy(p, {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: deployments },
          validations: [{ expression: 'object.spec.replicas > 50', messageExpression: "'Deployment spec.replicas set to ' + string(object.spec.replicas)" }],
          auditAnnotations: [{ key: 'high-replica-count', valueExpression: "'Deployment spec.replicas set to ' + string(object.spec.replicas)" }],
        }),
        binding('d05-binding', p, { validationActions: ['Audit'] }),
        // The documentation says the annotation is left out below 50 replicas; a null branch says so, but it must be typed.
        policy('d05-conditional', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: deployments },
          auditAnnotations: [
            {
              key: 'high-replica-count',
              valueExpression: "object.spec.replicas > 50 ? 'Deployment spec.replicas set to ' + string(object.spec.replicas) : null",
            },
          ],
        }),
      ],
      refused: {
        'ValidatingAdmissionPolicy/d05-conditional':
          /spec\.auditAnnotations\[0\]\.valueExpression: .*found no matching overload for '_\?_:_' applied to '\(bool, string, null\)'/,
      },
      requests: [
        {
          name: '128 replicas: the annotation',
          object: deployment('big', ns, { replicas: 128 }),
          expect: { allowed: true, annotations: { [`${p}/high-replica-count`]: 'Deployment spec.replicas set to 128' } },
        },
        {
          name: '3 replicas: the validation failure, audited only',
          object: deployment('small', ns, { replicas: 3 }),
          expect: {
            allowed: true,
            annotations: {
              [`${p}/high-replica-count`]: 'Deployment spec.replicas set to 3',
              'validation.policy.admission.k8s.io/validation_failure': `[{"message":"Deployment spec.replicas set to 3","policy":"${p}","binding":"d05-binding","expressionIndex":0,"validationActions":["Audit"]}]`,
            },
          },
        },
      ],
    });
  }
  {
    const id = 'd06';
    const ns = `agr-${id}`;
    const p = 'd06-image-matches-namespace-environment.policy.example.com';
    const spec = {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: deployments },
      variables: [
        { name: 'environment', expression: "'environment' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['environment'] : 'prod'" },
        { name: 'exempt', expression: "'exempt' in object.metadata.labels && object.metadata.labels['exempt'] == 'true'" },
        { name: 'containers', expression: 'object.spec.template.spec.containers' },
        { name: 'containersToCheck', expression: "variables.containers.filter(c, c.image.contains('example.com'))" },
      ],
      validations: [
        {
          expression: "variables.exempt || variables.containersToCheck.all(c, c.image.startsWith(variables.environment + '.'))",
          messageExpression: "'only ' + variables.environment + ' images are allowed in namespace ' + namespaceObject.metadata.name",
        },
      ],
    };
    cases.push({
      id,
      name: 'variables: images must match the namespace environment; v1beta1 is not served',
      source: `${DOCS} (access/image-matches-namespace-environment.policy.yaml)`,
      setup: [namespace(ns, { environment: 'prod' })],
      policies: [
        policy(p, spec),
        binding('d06-demo-binding-test.example.com', p),
        policy('d06-as-documented-v1beta1', spec, 'admissionregistration.k8s.io/v1beta1'),
      ],
      refused: { 'ValidatingAdmissionPolicy/d06-as-documented-v1beta1': /404/ },
      requests: [
        {
          name: 'a dev image in prod is refused',
          object: deployment('invalid', ns, { image: 'dev.example.com/nginx' }),
          expect: {
            allowed: false,
            message: forbidden('deployments.apps', 'invalid', p, 'd06-demo-binding-test.example.com', `only prod images are allowed in namespace ${ns}`),
          },
        },
        { name: 'a prod image passes', object: deployment('valid', ns, { image: 'prod.example.com/nginx' }), expect: { allowed: true } },
        { name: 'exempt passes', object: deployment('exempt', ns, { image: 'dev.example.com/nginx', labels: { exempt: 'true' } }), expect: { allowed: true } },
      ],
    });
  }
  {
    const id = 'd07';
    const ns = `agr-${id}`;
    cases.push({
      id,
      name: 'type checking: object.replicas is accepted at creation and fails at admission',
      source: `${DOCS} (validatingadmissionpolicy/typechecking.yaml)`,
      setup: [namespace(ns)],
      policies: [
        policy('d07-replica-policy.example.com', {
          matchConstraints: { resourceRules: deployments },
          validations: [{ expression: 'object.replicas > 1', message: 'must be replicated', reason: 'Invalid' }],
        }),
        binding('d07-binding', 'd07-replica-policy.example.com'),
      ],
      requests: [
        {
          name: 'a Deployment',
          object: deployment('web', ns, { replicas: 2 }),
          expect: {
            allowed: false,
            message: forbidden(
              'deployments.apps',
              'web',
              'd07-replica-policy.example.com',
              'd07-binding',
              "expression 'object.replicas > 1' resulted in error: no such key: replicas",
            ),
          },
        },
      ],
    });
  }
  {
    const id = 'd08';
    const ns = `agr-${id}`;
    cases.push({
      id,
      name: 'failurePolicy Ignore lets an evaluation error through; optional params with has()',
      source: `${DOCS} (failure-policy-ignore.yaml, "Optional parameters")`,
      setup: [
        replicaLimitCrd,
        namespace(ns),
        replicaLimit('with', ns, { maxReplicas: 9, optionalNumber: 12 }),
        replicaLimit('without', ns, { maxReplicas: 9 }),
      ],
      policies: [
        policy('d08-ignore', {
          failurePolicy: 'Ignore',
          paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
          matchConstraints: { resourceRules: deployments },
          validations: [{ expression: 'object.spec.xyz == params.x' }],
        }),
        binding('d08-ignore-binding', 'd08-ignore', { paramRef: { name: 'with', parameterNotFoundAction: 'Deny' } }),
        policy('d08-optional', {
          paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
          matchConstraints: { resourceRules: deployments },
          validations: [{ expression: '!has(params.optionalNumber) || (params.optionalNumber >= 5 && params.optionalNumber <= 10)' }],
        }),
        binding('d08-optional-with', 'd08-optional', {
          paramRef: { name: 'with', parameterNotFoundAction: 'Deny' },
          matchResources: { objectSelector: { matchLabels: { param: 'with' } } },
        }),
        binding('d08-optional-without', 'd08-optional', {
          paramRef: { name: 'without', parameterNotFoundAction: 'Deny' },
          matchResources: { objectSelector: { matchLabels: { param: 'without' } } },
        }),
      ],
      requests: [
        {
          name: 'optionalNumber 12 is out of range',
          object: deployment('with', ns, { labels: { param: 'with' } }),
          expect: {
            allowed: false,
            message: forbidden(
              'deployments.apps',
              'with',
              'd08-optional',
              'd08-optional-with',
              'failed expression: !has(params.optionalNumber) || (params.optionalNumber >= 5 && params.optionalNumber <= 10)',
            ),
          },
        },
        { name: 'no optionalNumber passes', object: deployment('without', ns, { labels: { param: 'without' } }), expect: { allowed: true } },
      ],
    });
  }

  // --- Kubernetes' integration tests ---------------------------------------
  {
    const id = 'k01';
    const p = 'k01-validate-namespace-suffix';
    const b = 'k01-validate-namespace-suffix-binding';
    const suffix = (validations: Spec[], failurePolicy = 'Fail', extra: Spec = {}) => ({
      failurePolicy,
      matchConstraints: { resourceRules: namespaces },
      validations,
      ...extra,
    });
    cases.push({
      id,
      name: 'Namespaces named …k8s: object and request fields, reason Forbidden, runtime errors under Fail and Ignore',
      source: `${K8S_IT} Test_ValidateNamespace_NoParams_Success, Test_ValidateNamespace_NoParams_Failures`,
      policies: [
        policy(p, suffix([{ expression: "object.metadata.name.endsWith('k8s')" }])),
        binding(b, p, { matchResources: { objectSelector: { matchLabels: { k01: 'object' } } } }),
        policy('k01-request', suffix([{ expression: "request.name.endsWith('k8s')" }])),
        binding('k01-request-binding', 'k01-request', { matchResources: { objectSelector: { matchLabels: { k01: 'request' } } } }),
        policy('k01-forbidden', suffix([{ expression: "object.metadata.name.endsWith('k8s')", reason: 'Forbidden' }])),
        binding('k01-forbidden-binding', 'k01-forbidden', { matchResources: { objectSelector: { matchLabels: { k01: 'forbidden' } } } }),
        policy('k01-error-fail', suffix([{ expression: "object.nonExistentProperty == 'someval'" }])),
        binding('k01-error-fail-binding', 'k01-error-fail', { matchResources: { objectSelector: { matchLabels: { k01: 'fail' } } } }),
        policy('k01-error-ignore', suffix([{ expression: "object.nonExistentProperty == 'someval'" }], 'Ignore')),
        binding('k01-error-ignore-binding', 'k01-error-ignore', { matchResources: { objectSelector: { matchLabels: { k01: 'ignore' } } } }),
        policy('k01-namespace-object', suffix([{ expression: 'namespaceObject == null' }])),
        binding('k01-namespace-object-binding', 'k01-namespace-object', { matchResources: { objectSelector: { matchLabels: { k01: 'nsobject' } } } }),
      ],
      requests: [
        { name: 'test-k8s passes', object: namespace('agr-k01-test-k8s', { k01: 'object' }), expect: { allowed: true } },
        {
          name: 'test-foobar is refused',
          object: namespace('agr-k01-test-foobar', { k01: 'object' }),
          expect: {
            allowed: false,
            message: forbidden('namespaces', 'agr-k01-test-foobar', p, b, "failed expression: object.metadata.name.endsWith('k8s')"),
            code: 422,
          },
        },
        { name: 'request.name passes', object: namespace('agr-k01-req-k8s', { k01: 'request' }), expect: { allowed: true } },
        {
          name: 'request.name is refused',
          object: namespace('agr-k01-req-foobar', { k01: 'request' }),
          expect: {
            allowed: false,
            message: forbidden('namespaces', 'agr-k01-req-foobar', 'k01-request', 'k01-request-binding', "failed expression: request.name.endsWith('k8s')"),
          },
        },
        {
          name: 'reason Forbidden: 403',
          object: namespace('agr-k01-forbidden-test-foobar', { k01: 'forbidden' }),
          expect: {
            allowed: false,
            message: forbidden(
              'namespaces',
              'agr-k01-forbidden-test-foobar',
              'k01-forbidden',
              'k01-forbidden-binding',
              "failed expression: object.metadata.name.endsWith('k8s')",
            ),
            code: 403,
          },
        },
        {
          name: 'runtime error, failurePolicy Fail',
          object: namespace('agr-k01-fail-k8s', { k01: 'fail' }),
          expect: {
            allowed: false,
            message: forbidden(
              'namespaces',
              'agr-k01-fail-k8s',
              'k01-error-fail',
              'k01-error-fail-binding',
              "expression 'object.nonExistentProperty == 'someval'' resulted in error: no such key: nonExistentProperty",
            ),
          },
        },
        { name: 'runtime error, failurePolicy Ignore', object: namespace('agr-k01-ignore-k8s', { k01: 'ignore' }), expect: { allowed: true } },
        { name: 'a Namespace has no namespaceObject', object: namespace('agr-k01-nsobject', { k01: 'nsobject' }), expect: { allowed: true } },
      ],
    });
  }
  {
    const id = 'k02';
    const ns = `agr-${id}`;
    const pk = { apiVersion: 'v1', kind: 'ConfigMap' };
    const v = (name: string, expression: string) =>
      policy(name, { failurePolicy: 'Fail', paramKind: pk, matchConstraints: { resourceRules: namespaces }, validations: [{ expression }] });
    cases.push({
      id,
      name: 'params that are null (no paramRef): unguarded, has() and != null',
      source: `${K8S_IT} Test_ValidateNamespace_NoParams_Failures`,
      policies: [
        v('k02-unguarded', 'object.metadata.name.startsWith(params.metadata.name)'),
        binding('k02-unguarded-binding', 'k02-unguarded', { matchResources: { objectSelector: { matchLabels: { k02: 'unguarded' } } } }),
        v('k02-has', 'has(params.metadata) && has(params.metadata.name) && object.metadata.name.endsWith(params.metadata.name)'),
        binding('k02-has-binding', 'k02-has', { matchResources: { objectSelector: { matchLabels: { k02: 'has' } } } }),
        v('k02-null', '(params != null && object.metadata.name.endsWith(params.metadata.name))'),
        binding('k02-null-binding', 'k02-null', { matchResources: { objectSelector: { matchLabels: { k02: 'null' } } } }),
        v('k02-default', "(params != null && object.metadata.name.startsWith(params.metadata.name)) || object.metadata.name.endsWith('k8s')"),
        binding('k02-default-binding', 'k02-default', { matchResources: { objectSelector: { matchLabels: { k02: 'default' } } } }),
      ],
      requests: [
        {
          name: 'unguarded params',
          object: namespace(`${ns}-a-k8s`, { k02: 'unguarded' }),
          expect: {
            allowed: false,
            message: forbidden(
              'namespaces',
              `${ns}-a-k8s`,
              'k02-unguarded',
              'k02-unguarded-binding',
              "expression 'object.metadata.name.startsWith(params.metadata.name)' resulted in error: no such key: metadata",
            ),
          },
        },
        {
          name: 'has() on null params',
          object: namespace(`${ns}-b-k8s`, { k02: 'has' }),
          expect: {
            allowed: false,
            message: forbidden(
              'namespaces',
              `${ns}-b-k8s`,
              'k02-has',
              'k02-has-binding',
              'failed expression: has(params.metadata) && has(params.metadata.name) && object.metadata.name.endsWith(params.metadata.name)',
            ),
          },
        },
        {
          name: 'params != null',
          object: namespace(`${ns}-c-k8s`, { k02: 'null' }),
          expect: {
            allowed: false,
            message: forbidden(
              'namespaces',
              `${ns}-c-k8s`,
              'k02-null',
              'k02-null-binding',
              'failed expression: (params != null && object.metadata.name.endsWith(params.metadata.name))',
            ),
          },
        },
        { name: 'a default for null params', object: namespace(`${ns}-d-k8s`, { k02: 'default' }), expect: { allowed: true } },
      ],
    });
  }
  {
    const id = 'k03';
    const ns = `agr-${id}`;
    cases.push({
      id,
      name: 'audit annotations (null excluded), an audit annotation that errors under Fail and Ignore, Warn and Deny+Audit actions',
      source: `${K8S_IT} Test_ValidateAnnotationsAndWarnings`,
      setup: [namespace(ns)],
      policies: [
        policy('k03-validate-audit-annotations', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: configMaps },
          auditAnnotations: [
            { key: 'example-key', valueExpression: "'object name: ' + object.metadata.name" },
            { key: 'exclude-key', valueExpression: 'null' },
          ],
        }),
        binding('k03-validate-audit-annotations-binding', 'k03-validate-audit-annotations', {
          validationActions: ['Audit'],
          matchResources: { objectSelector: { matchLabels: { k03: 'annotations' } } },
        }),
        policy('k03-validate-audit-annotations-invalid', {
          failurePolicy: 'Fail',
          paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
          matchConstraints: { resourceRules: configMaps },
          auditAnnotations: [{ key: 'example-key', valueExpression: 'string(params.metadata.name)' }],
        }),
        binding('k03-validate-audit-annotations-invalid-binding', 'k03-validate-audit-annotations-invalid', {
          validationActions: ['Audit'],
          matchResources: { objectSelector: { matchLabels: { k03: 'invalid' } } },
        }),
        policy('k03-validate-audit-annotations-invalid-ignore', {
          failurePolicy: 'Ignore',
          paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
          matchConstraints: { resourceRules: configMaps },
          auditAnnotations: [{ key: 'example-key', valueExpression: 'string(params.metadata.name)' }],
        }),
        binding('k03-validate-audit-annotations-invalid-ignore-binding', 'k03-validate-audit-annotations-invalid-ignore', {
          validationActions: ['Audit'],
          matchResources: { objectSelector: { matchLabels: { k03: 'invalid-ignore' } } },
        }),
        policy('k03-validate-actions-warn', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: configMaps },
          validations: [{ expression: "object.metadata.name.endsWith('k8s')" }],
        }),
        binding('k03-validate-actions-warn-binding', 'k03-validate-actions-warn', {
          validationActions: ['Warn'],
          matchResources: { objectSelector: { matchLabels: { k03: 'warn' } } },
        }),
        policy('k03-validate-actions-audit', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: configMaps },
          validations: [{ expression: 'true' }, { expression: "object.metadata.name.endsWith('k8s')" }],
        }),
        binding('k03-validate-actions-audit-binding', 'k03-validate-actions-audit', {
          validationActions: ['Deny', 'Audit'],
          matchResources: { objectSelector: { matchLabels: { k03: 'audit' } } },
        }),
      ],
      requests: [
        {
          name: 'audit annotations',
          object: configMap('test1-k8s', ns, {}, { k03: 'annotations' }),
          expect: { allowed: true, annotations: { 'k03-validate-audit-annotations/example-key': 'object name: test1-k8s' } },
        },
        {
          name: 'an audit annotation that errors, Fail',
          object: configMap('test2-k8s', ns, {}, { k03: 'invalid' }),
          expect: {
            allowed: false,
            message: forbidden(
              'configmaps',
              'test2-k8s',
              'k03-validate-audit-annotations-invalid',
              'k03-validate-audit-annotations-invalid-binding',
              "expression 'string(params.metadata.name)' resulted in error: no such key: metadata",
            ),
          },
        },
        { name: 'an audit annotation that errors, Ignore', object: configMap('test3-k8s', ns, {}, { k03: 'invalid-ignore' }), expect: { allowed: true } },
        {
          name: 'Warn',
          object: configMap('test4-nope', ns, {}, { k03: 'warn' }),
          expect: {
            allowed: true,
            warnings: [
              "Validation failed for ValidatingAdmissionPolicy 'k03-validate-actions-warn' with binding 'k03-validate-actions-warn-binding': failed expression: object.metadata.name.endsWith('k8s')",
            ],
          },
        },
        {
          name: 'Deny and Audit',
          object: configMap('test5-nope', ns, {}, { k03: 'audit' }),
          expect: {
            allowed: false,
            message: forbidden(
              'configmaps',
              'test5-nope',
              'k03-validate-actions-audit',
              'k03-validate-actions-audit-binding',
              "failed expression: object.metadata.name.endsWith('k8s')",
            ),
          },
        },
      ],
    });
  }
  {
    const id = 'k04';
    const ns = `agr-${id}`;
    const p = 'k04-multi-policy';
    const bind = (name: string, params: string) =>
      binding(name, p, {
        paramRef: { name: params, namespace: ns, parameterNotFoundAction: 'Deny' },
        matchResources: { objectSelector: { matchLabels: { [`${name}-label`]: 'true' } } },
      });
    cases.push({
      id,
      name: 'several bindings with ConfigMap params: autofail, autopass, conditional',
      source: `${K8S_IT} TestMultiplePolicyBindings`,
      setup: [
        namespace(ns),
        configMap('autofail-params', ns, { autofail: 'true', conditional: 'false', check: 'prefix-' }),
        configMap('autopass-params', ns, { autofail: 'false', conditional: 'false', check: 'prefix-' }),
        configMap('condpass-params', ns, { autofail: 'false', conditional: 'true', check: 'prefix-' }),
      ],
      policies: [
        policy(p, {
          failurePolicy: 'Fail',
          paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
          matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['secrets'] }] },
          validations: [
            { expression: "params.data.autofail != 'true' && (params.data.conditional == 'false' || object.metadata.name.startsWith(params.data.check))" },
          ],
        }),
        bind('autofail-binding', 'autofail-params'),
        bind('autopass-binding', 'autopass-params'),
        bind('condpass-binding', 'condpass-params'),
      ],
      requests: [
        {
          name: 'autofailing secret',
          object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'autofailing-secret', namespace: ns, labels: { 'autofail-binding-label': 'true' } } },
          expect: {
            allowed: false,
            message: forbidden(
              'secrets',
              'autofailing-secret',
              p,
              'autofail-binding',
              "failed expression: params.data.autofail != 'true' && (params.data.conditional == 'false' || object.metadata.name.startsWith(params.data.check))",
            ),
          },
        },
        {
          name: 'autopassing secret',
          object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'autopassing-secret', namespace: ns, labels: { 'autopass-binding-label': 'true' } } },
          expect: { allowed: true },
        },
        {
          name: 'conditionally passing secret',
          object: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'prefix-condpassing-secret', namespace: ns, labels: { 'condpass-binding-label': 'true' } },
          },
          expect: { allowed: true },
        },
        {
          name: 'conditionally failing secret',
          object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'condfailing-secret', namespace: ns, labels: { 'condpass-binding-label': 'true' } } },
          expect: {
            allowed: false,
            message: forbidden(
              'secrets',
              'condfailing-secret',
              p,
              'condpass-binding',
              "failed expression: params.data.autofail != 'true' && (params.data.conditional == 'false' || object.metadata.name.startsWith(params.data.check))",
            ),
          },
        },
      ],
    });
  }
  {
    const id = 'k05';
    const ns = `agr-${id}`;
    const other = `agr-${id}-other`;
    const deny = (name: string, match: Spec) => [
      policy(name, {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: configMaps, ...match },
        validations: [{ expression: 'false', message: `${name} denies` }],
      }),
      binding(`${name}-binding`, name),
    ];
    cases.push({
      id,
      name: 'matching: objectSelector, namespaceSelector, resourceNames, excludeResourceRules',
      source: `${K8S_IT} Test_ValidatingAdmissionPolicy_MatchByObjectSelector, _MatchByNamespaceSelector, _MatchByResourceNames, _MatchWithExcludeResources`,
      setup: [namespace(ns, { env: 'test' }), namespace(other)],
      policies: [
        ...deny('k05-objects', { objectSelector: { matchLabels: { foo: 'bar' } } }),
        ...deny('k05-namespaces', { namespaceSelector: { matchLabels: { env: 'test' } }, objectSelector: { matchLabels: { k05: 'ns' } } }),
        policy('k05-names', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ ...configMaps[0], resourceNames: ['match-by-name'] }] },
          validations: [{ expression: 'false', message: 'k05-names denies' }],
        }),
        binding('k05-names-binding', 'k05-names'),
        policy('k05-exclude', {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['*'] }],
            excludeResourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
            objectSelector: { matchLabels: { k05: 'exclude' } },
          },
          validations: [{ expression: 'false', message: 'k05-exclude denies' }],
        }),
        binding('k05-exclude-binding', 'k05-exclude'),
      ],
      requests: [
        {
          name: 'the label the objectSelector wants',
          object: configMap('labelled', ns, {}, { foo: 'bar' }),
          expect: { allowed: false, message: forbidden('configmaps', 'labelled', 'k05-objects', 'k05-objects-binding', 'k05-objects denies') },
        },
        {
          name: 'in the selected namespace',
          object: configMap('in-ns', ns, {}, { k05: 'ns' }),
          expect: { allowed: false, message: forbidden('configmaps', 'in-ns', 'k05-namespaces', 'k05-namespaces-binding', 'k05-namespaces denies') },
        },
        { name: 'in another namespace', object: configMap('other-ns', other, {}, { k05: 'ns' }), expect: { allowed: true } },
        {
          name: 'the resource name',
          object: configMap('match-by-name', other),
          expect: { allowed: false, message: forbidden('configmaps', 'match-by-name', 'k05-names', 'k05-names-binding', 'k05-names denies') },
        },
        { name: 'another name', object: configMap('not-by-name', other), expect: { allowed: true } },
        { name: 'an excluded resource', object: configMap('excluded', ns, {}, { k05: 'exclude' }), expect: { allowed: true } },
        {
          name: 'a resource not excluded',
          object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-excluded', namespace: ns, labels: { k05: 'exclude' } } },
          expect: { allowed: false, message: forbidden('secrets', 'not-excluded', 'k05-exclude', 'k05-exclude-binding', 'k05-exclude denies') },
        },
      ],
    });
  }
  {
    const id = 'k06';
    const ns = `agr-${id}`;
    const nested =
      "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(x, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(y, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(z, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(z2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(z3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(z4, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(z5, int('1'.find('[0-9]*')) < 100)))))))";
    cases.push({
      id,
      name: 'the runtime cost budget: one expression over the per-call limit',
      source: `${K8S_IT} Test_CostLimitForValidation`,
      setup: [namespace(ns)],
      policies: [
        policy('k06-cost', { failurePolicy: 'Fail', matchConstraints: { resourceRules: configMaps }, validations: [{ expression: nested }] }),
        binding('k06-cost-binding', 'k06-cost'),
      ],
      requests: [
        {
          name: 'cost limit exceeded',
          object: configMap('costly', ns),
          expect: {
            allowed: false,
            message:
              /^configmaps "costly" is forbidden: ValidatingAdmissionPolicy 'k06-cost' with binding 'k06-cost-binding' denied request: .*operation cancelled: actual cost limit exceeded$/,
          },
        },
      ],
    });
  }
  {
    const id = 'k07';
    const ns = `agr-${id}`;
    cases.push({
      id,
      name: 'UPDATE and DELETE: oldObject, and request.operation',
      source: `${K8S_IT} (oldObject/DELETE semantics, as in the plugin tests of k8s.io/apiserver validating/admission_test.go)`,
      setup: [namespace(ns), configMap('existing', ns, { v: '1' }), configMap('kept', ns, { keep: 'true' }), configMap('gone', ns, {})],
      policies: [
        policy('k07-immutable', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: configMaps },
          validations: [
            {
              expression: "request.operation != 'UPDATE' || object.data.v == oldObject.data.v",
              messageExpression: "'data.v was ' + oldObject.data.v + ' and may not change'",
            },
          ],
        }),
        binding('k07-immutable-binding', 'k07-immutable'),
        policy('k07-keep', {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['configmaps'] }] },
          validations: [{ expression: "object == null && !(has(oldObject.data) && 'keep' in oldObject.data)", message: 'kept ConfigMaps may not be deleted' }],
        }),
        binding('k07-keep-binding', 'k07-keep'),
      ],
      requests: [
        {
          name: 'an update that keeps v',
          operation: 'UPDATE',
          object: configMap('existing', ns, { v: '1', w: '2' }),
          oldObject: configMap('existing', ns, { v: '1' }),
          expect: { allowed: true },
        },
        {
          name: 'an update that changes v',
          operation: 'UPDATE',
          object: configMap('existing', ns, { v: '2' }),
          oldObject: configMap('existing', ns, { v: '1' }),
          expect: { allowed: false, message: forbidden('configmaps', 'existing', 'k07-immutable', 'k07-immutable-binding', 'data.v was 1 and may not change') },
        },
        {
          name: 'deleting a kept ConfigMap',
          operation: 'DELETE',
          oldObject: configMap('kept', ns, { keep: 'true' }),
          expect: { allowed: false, message: forbidden('configmaps', 'kept', 'k07-keep', 'k07-keep-binding', 'kept ConfigMaps may not be deleted') },
        },
        { name: 'deleting another', operation: 'DELETE', oldObject: configMap('gone', ns, {}), expect: { allowed: true } },
      ],
    });
  }

  // --- The CEL environment, library by library ------------------------------
  cases.push(
    library(
      'c01',
      'optional types',
      "object.data.?tier.orValue('none') != 'forbidden' && object.?metadata.?labels.?team.orValue('') != 'nobody'",
      { tier: 'web' },
      { tier: 'forbidden' },
    ),
  );
  // cel.bind (cel-go's ext.Bindings) is not part of the API server's environment (k8s.io/apiserver pkg/cel/environment/base.go): refused at creation.
  cases.push({
    ...library('c02', 'cel.bind', 'cel.bind(n, size(object.data), n <= 2 && n >= 1)', { a: '1' }, { a: '1', b: '2', c: '3' }),
    refused: { 'ValidatingAdmissionPolicy/c02-policy': /compilation failed: ERROR: <input>:1:1: undeclared reference to 'cel'/ },
    requests: [],
  });
  cases.push(
    library(
      'c03',
      'strings',
      "object.data.name.lowerAscii() == object.data.name && object.data.csv.split(',').size() == 3 && object.data.name.indexOf('-') > 0 && object.data.name.replace('-', '') != object.data.name && ' x '.trim() == 'x' && ['a', 'b'].join('-') == 'a-b' && object.data.name.substring(0, 3) == 'app'",
      { name: 'app-one', csv: 'a,b,c' },
      { name: 'App-One', csv: 'a,b' },
    ),
  );
  cases.push(
    library(
      'c04',
      'regex',
      "object.data.id.matches('^[a-z]+-[0-9]+$') && object.data.id.find('[0-9]+') == '42' && object.data.tags.findAll('[a-z]+') == ['x', 'y']",
      { id: 'app-42', tags: 'x1 y2' },
      { id: 'app-43', tags: 'x1 y2' },
    ),
  );
  cases.push(
    library(
      'c05',
      'lists',
      "[1, 2, 3].isSorted() && [1, 2, 3].sum() == 6 && [3, 1, 2].min() == 1 && [3, 1, 2].max() == 3 && ['a', 'b', 'a'].lastIndexOf('a') == 2 && object.data.order.split(',').isSorted()",
      { order: 'a,b,c' },
      { order: 'b,a' },
    ),
  );
  cases.push(
    library(
      'c06',
      'sets',
      "sets.contains(['a', 'b', 'c'], object.data.want.split(',')) && sets.intersects(['a'], ['a', 'z']) && sets.equivalent(['a', 'b'], ['b', 'a'])",
      { want: 'a,c' },
      { want: 'a,d' },
    ),
  );
  cases.push(
    library(
      'c07',
      'url',
      "isURL(object.data.u) && url(object.data.u).getScheme() == 'https' && url(object.data.u).getHostname() == 'example.com' && url(object.data.u).getPort() == '8443' && url(object.data.u).getEscapedPath() == '/a%20b' && url(object.data.u).getQuery()['x'] == ['1']",
      { u: 'https://example.com:8443/a%20b?x=1' },
      { u: 'http://example.com:8443/a%20b?x=1' },
    ),
  );
  cases.push(
    library(
      'c08',
      'ip and cidr',
      "isIP(object.data.ip) && ip(object.data.ip).family() == 4 && !ip(object.data.ip).isLoopback() && cidr('10.0.0.0/8').containsIP(ip(object.data.ip)) && cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && isCIDR('192.168.0.0/33') == false && ip('::1').isLoopback() && cidr('10.1.2.0/24').ip() == ip('10.1.2.0')",
      { ip: '10.1.2.3' },
      { ip: '192.168.1.1' },
    ),
  );
  // sign is declared as a function, not a method (library/quantity.go: cel.Overload, not cel.MemberOverload), whatever its doc comment says.
  cases.push({
    ...library('c09x', 'quantity sign as a method', "quantity('-3').sign() == -1", {}, {}),
    refused: { 'ValidatingAdmissionPolicy/c09x-policy': /found no matching overload for 'sign' applied to 'kubernetes.Quantity.\(\)'/ },
    requests: [],
  });
  cases.push(
    library(
      'c09',
      'quantity',
      "isQuantity(object.data.q) && quantity(object.data.q).isLessThan(quantity('1Gi')) && quantity('1Gi').isGreaterThan(quantity('1000Mi')) && quantity('500m').asApproximateFloat() == 0.5 && quantity('2').add(3).asInteger() == 5 && quantity('1').sub(quantity('500m')).compareTo(quantity('0.5')) == 0 && quantity('1.5').isInteger() == false && sign(quantity('-3')) == -1",
      { q: '1023Mi' },
      { q: '1Gi' },
    ),
  );
  cases.push(
    library(
      'c10',
      'format',
      "!format.dns1123Label().validate(object.data.name).hasValue() && format.named('dns1123Subdomain').hasValue() && format.uri().validate('not a uri').hasValue()",
      { name: 'good-name' },
      { name: 'Bad_Name' },
    ),
  );
  cases.push(
    library(
      'c11',
      'two-variable comprehensions',
      "object.data.all(k, v, k.startsWith('x-') || v != 'bad') && {'a': 1, 'b': 2}.exists(k, v, v == 2) && [10, 20].all(i, v, v == (i + 1) * 10) && {'a': 1}.transformMap(k, v, v + 1) == {'a': 2}",
      { 'x-any': 'bad', plain: 'good' },
      { plain: 'bad' },
      33,
    ),
  );
  cases.push(
    library(
      'c12',
      'semver',
      "isSemver(object.data.v) && semver(object.data.v).isLessThan(semver('1.10.0')) && semver('1.2.3').major() == 1 && semver('1.2.3').compareTo(semver('1.2.3')) == 0 && isSemver('v1.0', true)",
      { v: '1.9.9' },
      { v: '1.10.1' },
      34,
    ),
  );
  cases.push(
    library(
      'c13',
      'lists (version 3)',
      "lists.range(3) == [0, 1, 2] && [3, 1, 2].sort() == [1, 2, 3] && [[1], [2, 3]].flatten() == [1, 2, 3] && [1, 1, 2].distinct() == [1, 2] && [1, 2, 3, 4].slice(1, 3) == [2, 3] && object.data.l.split(',').sortBy(s, s.size()) == ['a', 'bb', 'ccc']",
      { l: 'ccc,a,bb' },
      { l: 'ccc,a,bbbb' },
      35,
    ),
  );
  cases.push(
    library(
      'c14',
      'strings (version 2): quote and format',
      "strings.quote(object.data.s) == '\"' + object.data.s + '\"' && '%s is %d'.format(['x', 2]) == 'x is 2'",
      { s: 'plain' },
      { s: 'with"quote' },
    ),
  );

  return cases;
}
