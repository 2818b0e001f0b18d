export { appNameFor } from './app-name.js';
export { checkValuesFile, validateValues } from './validate.js';
export { parseValuesText } from './values-file.js';
export { platformSettings } from './platform-settings.js';
export { describeCheck, healthOf, type Health } from './health.js';
