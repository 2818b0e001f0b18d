export { appNameFor, appNameProblem } from './app-name.js';
export { checkValuesFile, validateValues, contractValidator, type AppValues } from './validate.js';
export { readValuesFile, parseValuesText, lineOf, type ValuesFile } from './values-file.js';
export { platformSettings, type PlatformSettings } from './platform-settings.js';
export { parseQuantity } from './quantity.js';
