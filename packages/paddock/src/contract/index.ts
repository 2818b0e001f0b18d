export { APP_NAME_FIX, appNameFor, appNameProblem, reservedNames, type ReservedNames } from './app-name.js';
export { bindingHosts, judgeBindingUrl, type BindingHosts } from './binding-url.js';
export { checkValuesFile, validateValues, contractValidator, type AppValues } from './validate.js';
export { readValuesFile, parseValuesText, lineOf, type ValuesFile } from './values-file.js';
export { platformSettings, type PlatformSettings } from './platform-settings.js';
export { exactQuantity, parseQuantity, quantityProblem } from './quantity.js';
export { readRegularFile, isRegularFile } from './regular-file.js';
export { readYamlStream, type Json, type ReadDocument, type ReadProblem } from './yaml-read.js';
export { disagreements, readingsOf, stringifyUnambiguous } from './yaml-readings.js';
