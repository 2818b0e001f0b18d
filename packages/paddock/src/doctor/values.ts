/** The parts of an app's values file that doctor compares the code with. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { DEFAULT_PORT, healthOf } from '../contract/health.js';
import { UserError } from '../report/errors.js';

export interface AppValues {
  file: string;
  /** The port the app answers web requests on; undefined for a worker (`port: none`). */
  port?: number;
  /** The HTTP paths the platform's probes ask (readiness, then liveness when it differs), each with the field that sets it. */
  health: { path: string; field: 'healthPath' | 'livenessPath' }[];
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
    throw new UserError(
      `${shownAs} is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      'Fix the file (npx paddock validate shows the details), then run doctor again.',
    );
  }
  const v = obj(data);
  const np = obj(v.networkPolicy);
  const binding = obj(v.binding);
  return {
    file: shownAs,
    port: v.port === 'none' ? undefined : typeof v.port === 'number' ? v.port : DEFAULT_PORT,
    health: healthPaths(v),
    statestore: obj(v.statestore).enabled === true,
    secretstore: obj(v.secretstore).enabled === true,
    secretKeys: strings(obj(v.secretstore).keys),
    pubsub: obj(v.pubsub).enabled === true,
    binding: binding.enabled === true ? (typeof binding.name === 'string' ? binding.name : 'webhook') : undefined,
    allowEgressTo: strings(np.allowEgressTo),
    allowIngressFrom: strings(np.allowIngressFrom),
  };
}

/** The probes' HTTP paths, as the chart reads them (contract/health.ts). */
function healthPaths(v: Obj): AppValues['health'] {
  const h = healthOf(v);
  const out: AppValues['health'] = [];
  if (h.readiness.kind === 'http') out.push({ path: h.readiness.path, field: 'healthPath' });
  if (h.liveness.kind === 'http' && h.liveness.path !== out[0]?.path) out.push({ path: h.liveness.path, field: 'livenessPath' });
  return out;
}
