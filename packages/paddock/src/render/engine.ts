/**
 * Client of tools/engine (paddock-engine): renders many apps through the real
 * chart in ONE process on helm's own engine, and optionally validates every
 * object strictly in the same process with kubeconform's library. Output is
 * byte-for-byte what `helm template` prints; schema problems come in
 * kubeconform's `-output json` shape. Use it when checking more than one app:
 * it saves a helm and a kubeconform process start per app.
 */
import { existsSync } from 'node:fs';
import { paths, tool } from '../paths.js';
import { UserError } from '../report/errors.js';
import { run } from '../run.js';
import { schemaLocations } from '../schema/kubeconform.js';
import { kubeVersion } from '../contract/platform-settings.js';

const ENGINE = 'paddock-engine';

/** One `helm template NAME CHART --namespace NS -f …`. */
interface EngineRelease {
  name: string;
  namespace?: string;
  /** The values documents, applied in order like repeated `-f`. */
  valuesYaml: string | string[];
  /** Named in helm's "failed to parse <file>" messages. */
  valuesFile?: string;
}

/** A manifest to validate as it is (hand-written YAML, another chart's output). */
interface EngineManifest {
  name: string;
  manifest: string;
}

interface EngineSchemaOptions {
  /** kubeconform -schema-location list; defaults to the repository's schemas (pinned CRDs, catalogue, Kubernetes). */
  locations?: string[];
  /** Refuse unknown fields (default true, like `kubeconform -strict`). */
  strict?: boolean;
  skipKinds?: string[];
  ignoreMissingSchemas?: boolean;
}

export interface EngineRequest {
  releases?: EngineRelease[];
  manifests?: EngineManifest[];
  /** Chart directory; default charts/app. */
  chart?: string;
  /** Capabilities.KubeVersion; default the platform's (charts/app/values.yaml platform.kubeVersion). */
  kubeVersion?: string;
  /** Validate every object strictly: `true` for the repository's schemas, or options. */
  schema?: boolean | EngineSchemaOptions;
  /**
   * Also return each result's objects as JSON, parsed in the engine the way
   * Kubernetes parses YAML (sigs.k8s.io/yaml), with line and template: much
   * faster than parsing the manifest text again in JavaScript.
   */
  objects?: boolean;
  /** Parallel renders; default the machine's core count. */
  workers?: number;
  /** Admission requests to judge with the API server's validating-admission-policy code (see src/policies/evaluator.ts). */
  admission?: unknown;
}

/** One object of a manifest. */
export interface EngineObject {
  /** The object, or undefined when the document is not valid YAML (then `error`). */
  object?: Record<string, unknown>;
  /** 1-based line of the object's first field in `manifest`. */
  line: number;
  /** The chart template that rendered it (`app/templates/deployment.yaml`). */
  source?: string;
  error?: string;
}

/** An object that failed schema validation (kubeconform's JSON output shape). */
interface SchemaProblem {
  filename: string;
  kind: string;
  name: string;
  namespace?: string;
  version: string;
  status: 'statusInvalid' | 'statusError';
  msg: string;
  validationErrors?: { path: string; msg: string }[];
}

/** One release (or manifest), in request order: releases first, then manifests. */
export interface EngineResult {
  name: string;
  /** What `helm template` prints on stdout (absent when rendering failed). */
  manifest?: string;
  /** What `helm template` prints after "Error: " when rendering fails (a `fail` message, a schema error, …). */
  error?: string;
  /** Objects that failed schema validation; empty or absent when all passed. */
  schema?: SchemaProblem[];
  /** Objects validated (present when schema validation was asked for). */
  validated?: number;
  /** The manifest's objects in order, when `objects` was asked for (empty documents left out). */
  objects?: EngineObject[];
}

function engineBinary(): string {
  return tool(ENGINE);
}

/** Send one request to a fresh engine process and return its results, in request order. */
export async function runEngine(req: EngineRequest, opts: { binary?: string } = {}): Promise<EngineResult[]> {
  const { results, inputs } = await callEngine(req, opts);
  if (results.length !== inputs) throw new Error(`${ENGINE} returned ${results.length} results for ${inputs} inputs`);
  return results;
}

/** The engine's answer to the `admission` part of a request (shape: tools/engine/admission.go). */
export async function runEngineAdmission(admission: unknown, opts: { binary?: string } = {}): Promise<unknown> {
  const { admission: answer } = await callEngine({ admission }, opts);
  if (!answer) throw new Error(`${ENGINE} returned no admission answer`);
  return answer;
}

async function callEngine(req: EngineRequest, opts: { binary?: string }): Promise<{ results: EngineResult[]; admission?: unknown; inputs: number }> {
  const binary = opts.binary ?? engineBinary();
  const schema = req.schema === true ? {} : req.schema || undefined;
  const body = {
    chart: req.releases?.length ? (req.chart ?? paths.chart) : (req.chart ?? ''),
    kubeVersion: req.kubeVersion ?? kubeVersion(),
    releases: (req.releases ?? []).map((r) => ({ name: r.name, namespace: r.namespace ?? '', valuesYaml: r.valuesYaml, valuesFile: r.valuesFile ?? '' })),
    manifests: req.manifests ?? [],
    ...(schema
      ? {
          schema: {
            locations: schema.locations ?? schemaLocations(),
            strict: schema.strict ?? true,
            skipKinds: schema.skipKinds ?? [],
            ignoreMissingSchemas: schema.ignoreMissingSchemas ?? false,
          },
        }
      : {}),
    objects: req.objects ?? false,
    workers: req.workers ?? 0,
    ...(req.admission ? { admission: req.admission } : {}),
  };
  const input = JSON.stringify(body);
  if (!existsSync(binary)) throw new UserError(`${binary} is not built`, 'Run `tools/build.sh paddock-engine` in the repository root.');
  const r = await run(binary, [], { input });
  if (r.code !== 0) throw new Error(`${ENGINE} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  const stdout = r.stdout;
  let parsed: { results?: EngineResult[]; admission?: unknown; error?: string };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw new Error(`${ENGINE} returned something that is not JSON: ${stdout.slice(0, 200)}`);
  }
  if (parsed.error) throw new Error(`${ENGINE} failed: ${parsed.error}`);
  return { results: parsed.results ?? [], admission: parsed.admission, inputs: body.releases.length + body.manifests.length };
}
