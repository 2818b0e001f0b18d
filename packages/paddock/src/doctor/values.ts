/** The parts of an app's values file that doctor compares the code with. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UserError } from '../report/errors.js';

export interface AppValues {
  file: string;
  port: number;
  healthPath: string;
  statestore: boolean;
  secretstore: boolean;
  secretKeys: string[];
  pubsub: boolean;
  binding?: string;
  allowEgressTo: string[];
  allowIngressFrom: string[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Read a values file; undefined when it does not exist. Unreadable or malformed files are the user's to fix (exit 2). */
export async function loadAppValues(file: string, shownAs: string): Promise<AppValues | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${shownAs}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (err) {
    throw new UserError(`${shownAs} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'Fix the file (npx paddock validate shows the details), then run doctor again.');
  }
  const v = obj(data);
  const np = obj(v.networkPolicy);
  const binding = obj(v.binding);
  return {
    file: shownAs,
    port: typeof v.port === 'number' ? v.port : 8080,
    healthPath: typeof v.healthPath === 'string' ? v.healthPath : '/health',
    statestore: obj(v.statestore).enabled === true,
    secretstore: obj(v.secretstore).enabled === true,
    secretKeys: strings(obj(v.secretstore).keys),
    pubsub: obj(v.pubsub).enabled === true,
    binding: binding.enabled === true ? (typeof binding.name === 'string' ? binding.name : 'webhook') : undefined,
    allowEgressTo: strings(np.allowEgressTo),
    allowIngressFrom: strings(np.allowIngressFrom),
  };
}
