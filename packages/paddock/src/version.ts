import { readFileSync } from 'node:fs';

/** paddock's version: its package.json's, in the checkout and in an installed package alike. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
