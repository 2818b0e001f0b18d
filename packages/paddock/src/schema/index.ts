export { validateObjects, schemaFindings, schemaLocations, kubeconformArgs, type KubeconformResource } from './kubeconform.js';
