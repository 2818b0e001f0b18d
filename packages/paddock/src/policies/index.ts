/**
 * The guardrails, offline: the platform's ValidatingAdmissionPolicies
 * (platform/infrastructure/configs/admission-policies), and a team's own,
 * evaluated on manifests by the API server's own admission code (in paddock-engine), on each object and on the Pod admission sees
 * once the Dapr injector has added its sidecar. See docs/policies.md.
 */
export { checkManifests, tenantNamespace, TENANT_LABEL, type PolicyCheckOptions } from './check.js';
export {
  admit,
  decisionToFinding,
  evaluate,
  judge,
  namespaceView,
  type AdmissionRequest,
  type Decision,
  type EvaluateOptions,
  type Judgement,
  type PolicyProblem,
  type SourceLocation,
} from './evaluator.js';
export { loadPolicies, loadPolicyFolders, policySetOf, readYamlObjects } from './load.js';
export { admissionPod, admissionPods, hasPodTemplate } from './admission-view.js';
export { injectorSettingsFromRelease, loadPlatformInjectorSettings, daprReleaseFile, type InjectorSettings } from './injector-settings.js';
export type { KubeObject, PolicySet, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from './types.js';
