export { helmTemplate, helmTemplateArgs, helmFailure } from './helm.js';
export { parseManifests, objectRef, type K8sObject, type SourcedObject } from './manifests.js';
