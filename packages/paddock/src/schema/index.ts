export { validateObjects, schemaLocations, kubeconformArgs } from './kubeconform.js';
