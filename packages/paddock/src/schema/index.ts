export { validateObjects, kubeconformArgs } from './kubeconform.js';
