export { helmTemplate, helmTemplateArgs, helmFailure, kubeVersion } from './helm.js';
export { parseManifests, objectRef, type K8sObject, type SourcedObject } from './manifests.js';
