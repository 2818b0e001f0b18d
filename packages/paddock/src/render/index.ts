export { helmTemplateArgs } from './helm.js';
export { parseManifests, type K8sObject } from './manifests.js';
