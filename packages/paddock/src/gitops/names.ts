import { appNameProblem, reservedNames } from '../contract/app-name.js';

export { reservedNames };

/** Why `name` cannot be onboarded, or undefined when it can: the contract's one app-name rule, checked before anything is written. */
export function onboardNameProblem(name: string): string | undefined {
  return appNameProblem(name);
}
