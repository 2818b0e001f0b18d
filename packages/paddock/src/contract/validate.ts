import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Finding } from '../report/finding.js';
import { paths } from '../paths.js';
import { APP_NAME_FIX, appNameFor, appNameProblem } from './app-name.js';
import { BINDING_URL_FIX, judgeBindingUrl } from './binding-url.js';
import { hintFor } from './hints.js';
import { legacyFindings, legacyPaths } from './legacy.js';
import { compareExact, exactQuantity, quantityFix, quantityProblem } from './quantity.js';
import { platformSettings } from './platform-settings.js';
import { lineOf, readValuesFile, type ValuesFile } from './values-file.js';
import { disagreements } from './yaml-readings.js';

/** An app's values file that passed the contract. */
export interface AppValues {
  name: string;
  namespace: string;
  file: string;
  values: Record<string, unknown>;
}

const require = createRequire(import.meta.url);
const ajvVersion = (require('ajv/package.json') as { version: string }).version;

let compiled: ValidateFunction | undefined;

/**
 * The contract (charts/app/values.schema.json), compiled once per schema: the
 * compiled validator is kept as a module under .paddock/cache (keyed by the
 * schema's hash and ajv's version), since compiling it costs more than a whole
 * `paddock validate` otherwise needs.
 */
async function contractValidator(): Promise<ValidateFunction> {
  if (compiled) return compiled;
  const text = readFileSync(paths.contract, 'utf8');
  const key = createHash('sha256').update(`${ajvVersion}\0${text}`).digest('hex').slice(0, 16);
  // CommonJS, so that the code ajv writes can require its small runtime helpers.
  const cached = join(paths.state, 'cache', `contract-${key}.cjs`);
  if (process.env.PADDOCK_NO_CACHE !== '1') {
    try {
      compiled = require(cached) as ValidateFunction;
      return compiled;
    } catch {
      /* not cached yet */
    }
  }
  const { Ajv } = await import('ajv');
  const standalone = (await import('ajv/dist/standalone/index.js')).default as unknown as (ajv: unknown, validate: ValidateFunction) => string;
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true } });
  compiled = ajv.compile(JSON.parse(text) as object);
  try {
    mkdirSync(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, standalone(ajv, compiled));
    renameSync(tmp, cached);
  } catch {
    /* a read-only checkout just compiles each time */
  }
  return compiled;
}

/** Keywords that only repeat what a more specific error already says. */
const NOISE = new Set(['if', 'anyOf', 'oneOf', 'allOf']);
const RANK = [
  'additionalProperties',
  'required',
  'type',
  'const',
  'enum',
  'not',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'uniqueItems',
  'maxItems',
];

function toPath(err: ErrorObject): (string | number)[] {
  return err.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(values: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), values);
}

/** Schema errors as findings: one per field, the most telling error first, in plain English. */
function schemaFindings(vf: ValuesFile, errors: ErrorObject[]): Finding[] {
  const best = new Map<string, { err: ErrorObject; path: (string | number)[] }>();
  for (const err of errors) {
    if (NOISE.has(err.keyword)) continue;
    let path = toPath(err);
    if (err.keyword === 'additionalProperties') path = [...path, (err.params as { additionalProperty: string }).additionalProperty];
    if (err.keyword === 'required') path = [...path, (err.params as { missingProperty: string }).missingProperty];
    const key = path.join('.');
    if (legacyPaths.has(key)) continue;
    const prev = best.get(key);
    if (!prev || RANK.indexOf(err.keyword) < RANK.indexOf(prev.err.keyword)) best.set(key, { err, path });
  }
  return [...best.values()].map(({ err, path }) => {
    const dotted = path.join('.');
    const parentPath = err.keyword === 'additionalProperties' || err.keyword === 'required' ? path.slice(0, -1) : path;
    const hint = hintFor(err, parentPath.join('.'), valueAt(vf.values, path));
    return { rule: 'schema', severity: 'error' as const, file: vf.file, line: lineOf(vf, path), path: dotted, message: hint.message, fix: hint.fix };
  });
}

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };

/** Requests and limits as the chart merges them: the size tier, overridden by explicit `resources`. */
function effectiveResources(v: { size?: unknown; resources?: Resources }): {
  value: Required<Resources>;
  from: (kind: 'requests' | 'limits', res: string) => string;
} {
  const size = typeof v.size === 'string' && v.size in platformSettings().sizes ? v.size : 'small';
  const tier = platformSettings().sizes[size]!;
  const explicit = v.resources ?? {};
  const value = {
    requests: { ...tier.requests, ...(explicit.requests ?? {}) },
    limits: { ...tier.limits, ...(explicit.limits ?? {}) },
  };
  const from = (kind: 'requests' | 'limits', res: string): string => (explicit[kind] && res in explicit[kind]! ? `resources.${kind}.${res}` : `size ${size}`);
  return { value, from };
}

type ContractValues = {
  image?: { repository?: string };
  nodepool?: string;
  size?: unknown;
  resources?: Resources;
  binding?: { enabled?: unknown; url?: unknown };
};
type At = (path: (string | number)[], message: string, fix: string) => void;

/** What the chart's templates also refuse, checked here first so the author hears it before Flux does. */
function contractFindings(vf: ValuesFile, name: string): Finding[] {
  const v = vf.values as ContractValues;
  const out: Finding[] = [];
  const at: At = (path, message, fix) => {
    out.push({ rule: 'contract', severity: 'error', file: vf.file, line: lineOf(vf, path), path: path.join('.'), message, fix });
  };
  const platform = platformSettings();
  namespaceListFindings(v, at);

  const nameProblem = appNameProblem(name);
  if (nameProblem) {
    out.push({
      rule: 'contract',
      severity: 'error',
      file: vf.file,
      message: `${nameProblem.charAt(0).toUpperCase()}${nameProblem.slice(1)}.`,
      fix: APP_NAME_FIX,
    });
  }

  const repo = v.image?.repository;
  if (typeof repo === 'string' && repo.includes('/')) {
    const registry = repo.split('/')[0] ?? '';
    if (!platform.registries.includes(registry)) {
      at(
        ['image', 'repository'],
        `image.repository "${repo}" is not in the platform registry, so the cluster will refuse it.`,
        `Push the image to ${platform.registries[0]} and write, for example, ${platform.registries[0]}/platform/${name}.`,
      );
    }
  }

  const ownPool = platform.nodePoolAssignments[name] ?? name;
  if (v.nodepool && v.nodepool !== ownPool) {
    at(
      ['nodepool'],
      `nodepool "${v.nodepool}" is not this app's node pool; apps run only on their own pool ("${ownPool}").`,
      `Write nodepool: ${ownPool}, or leave nodepool out.`,
    );
  }
  resourceFindings(v, at);

  if (v.binding?.enabled === true && typeof v.binding.url === 'string') {
    const { problem } = judgeBindingUrl(v.binding.url);
    if (problem) at(['binding', 'url'], `binding.url ${problem}.`, BINDING_URL_FIX);
  }
  return out;
}

/** Every namespace an app lists is another app's, <app>-ns, so its app name follows the one rule too. */
function namespaceListFindings(v: ContractValues, at: At): void {
  const lists: (string | number)[][] = [
    ['networkPolicy', 'allowIngressFrom'],
    ['networkPolicy', 'allowEgressTo'],
    ['pubsub', 'allowSubscribersFrom'],
  ];
  for (const list of lists) {
    const entries = list.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string | number, unknown>)[k] : undefined), v);
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, i) => {
      if (typeof entry !== 'string' || !entry.endsWith('-ns')) return;
      const problem = appNameProblem(entry.slice(0, -3));
      if (problem)
        at(
          [...list, i],
          `${list.join('.')} lists "${entry}", which cannot be an app's namespace: ${problem}.`,
          'List only the namespaces of apps on the platform, <app>-ns, for example app2-ns.',
        );
    });
  }
}

/** Quantities by value, whatever their YAML type (the schema's patterns only see strings), and no request above its limit. */
function resourceFindings(v: ContractValues, at: At): void {
  const max = platformSettings().maxContainer;
  const badQuantity = new Set<string>();
  for (const kind of ['requests', 'limits'] as const) {
    for (const res of ['cpu', 'memory'] as const) {
      const given = v.resources?.[kind];
      if (!given || !(res in given)) continue;
      const problem = quantityProblem(res, given[res], max);
      if (!problem) continue;
      badQuantity.add(res);
      at(['resources', kind, res], `resources.${kind}.${res} ${problem}.`, quantityFix(res, max));
    }
  }
  const eff = effectiveResources(v);
  for (const res of ['cpu', 'memory'] as const) {
    if (badQuantity.has(res)) continue;
    const req = eff.value.requests[res];
    const lim = eff.value.limits[res];
    const rq = typeof req === 'string' || typeof req === 'number' ? exactQuantity(req) : undefined;
    const lq = typeof lim === 'string' || typeof lim === 'number' ? exactQuantity(lim) : undefined;
    if (rq && lq && compareExact(rq, lq) > 0) {
      const explicitReq = eff.from('requests', res).startsWith('resources.');
      const path = explicitReq ? ['resources', 'requests', res] : ['resources', 'limits', res];
      at(
        path,
        `The ${res === 'cpu' ? 'CPU' : 'memory'} request (${String(req)}, from ${eff.from('requests', res)}) is more than the limit (${String(lim)}, from ${eff.from('limits', res)}).`,
        'Make the request at most the limit: set both under resources, or pick a larger size.',
      );
    }
  }
}

/** Plain values that Helm and other YAML readers see differently (yaml-readings.ts). */
function readingFindings(vf: ValuesFile): Finding[] {
  return disagreements(vf.doc).map((d) => ({
    rule: 'contract',
    severity: 'error' as const,
    file: vf.file,
    line: d.node.range ? vf.lines.linePos(d.node.range[0]).line : lineOf(vf, d.path),
    path: d.path.join('.'),
    message: d.message,
    fix: d.fix,
  }));
}

/** Validate a parsed values file against the contract. */
export async function validateValues(vf: ValuesFile, name: string): Promise<Finding[]> {
  const validate = await contractValidator();
  validate(vf.values);
  const readings = readingFindings(vf);
  // A value the YAML readers disagree on is explained once, by its own finding, not again as a schema or contract error.
  const ambiguous = new Set(readings.map((f) => f.path));
  const schema = [...legacyFindings(vf), ...schemaFindings(vf, validate.errors ?? [])].filter((f) => !ambiguous.has(f.path));
  // The template-level checks only matter for fields the schema accepted.
  const reported = new Set([...schema.map((f) => f.path), ...ambiguous]);
  const findings = [...readings, ...schema, ...contractFindings(vf, name).filter((f) => !reported.has(f.path))];
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Read and validate one values file; `app` is set only when it passed. */
export async function checkValuesFile(file: string, opts: { name?: string } = {}): Promise<{ app?: AppValues; vf?: ValuesFile; findings: Finding[] }> {
  const { vf, findings } = await readValuesFile(file);
  if (!vf) return { findings };
  const name = appNameFor(file, opts.name);
  const problems = await validateValues(vf, name);
  if (problems.some((f) => f.severity === 'error')) return { vf, findings: problems };
  return { vf, findings: problems, app: { name, namespace: `${name}-ns`, file, values: vf.values } };
}
