import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { paths } from '../paths.js';
import type { DevApp } from './app.js';

/** Local backends: everything embedded (SQLite, files, in-memory) or a real Redis. */
export type Backend = 'embedded' | 'redis';

interface MetadataItem {
  name: string;
  value?: unknown;
  secretKeyRef?: unknown;
}
interface ComponentSpec {
  type: string;
  version: string;
  metadata: MetadataItem[];
}
interface BlockEntry {
  component: string;
  cluster: ComponentSpec;
  local: Partial<Record<Backend, ComponentSpec>>;
}
type BuildingBlock = 'statestore' | 'secretstore' | 'pubsub' | 'binding';
const BLOCKS: BuildingBlock[] = ['statestore', 'secretstore', 'pubsub', 'binding'];

let mapping: Record<BuildingBlock, BlockEntry> | undefined;

/** charts/app/files/building-blocks.yaml: the one building-block mapping, shared with the chart. */
function buildingBlocks(): Record<BuildingBlock, BlockEntry> {
  mapping ??= parse(readFileSync(paths.buildingBlocks, 'utf8')) as Record<BuildingBlock, BlockEntry>;
  return mapping;
}

/** Where the local resources point. */
export interface LocalContext {
  backend: Backend;
  /** The app's folder under .paddock/dev/ (SQLite state lives here). */
  dataDir: string;
  /** The JSON file the local secret store reads. */
  secretsJson: string;
  /** The SQLite file all sidecars of this session register in (name resolution). */
  nameResolutionDb: string;
  /** The Dapr trust domain (the platform setting the chart uses). */
  trustDomain: string;
  redis?: { host: string; password: string };
}

/** Fill `${…}` placeholders; an unknown placeholder is a bug in the mapping, so it fails loudly. */
export function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`building-blocks.yaml: no local value for \${${key}}`);
    return v;
  });
}

/** The Dapr Component resources for the building blocks the app enabled, scoped to the app. */
export function localComponents(app: DevApp, ctx: LocalContext): Record<string, unknown>[] {
  const vars: Record<string, string> = {
    app: app.name,
    dataDir: ctx.dataDir,
    secretsFile: ctx.secretsJson,
    'binding.name': app.values.binding.name ?? '',
    'binding.url': app.values.binding.url ?? '',
    // Dapr's topic scoping, as the chart renders it (charts/app/templates/dapr-components.yaml).
    'pubsub.publishes': app.values.pubsub.publishes.join(','),
    'pubsub.subscribes': app.values.pubsub.subscribes.join(','),
    'pubsub.topics': [...new Set([...app.values.pubsub.publishes, ...app.values.pubsub.subscribes])].sort().join(','),
    ...(ctx.redis ? { 'redis.host': ctx.redis.host, 'redis.password': ctx.redis.password } : {}),
  };
  const out: Record<string, unknown>[] = [];
  for (const block of BLOCKS) {
    if (!app.values[block].enabled) continue;
    const entry = buildingBlocks()[block];
    // A block with no Redis variant locally (secrets, bindings) keeps its embedded one.
    const spec = entry.local[ctx.backend] ?? entry.local.embedded;
    if (!spec) throw new Error(`building-blocks.yaml: ${block} has no local component`);
    out.push({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: fill(entry.component, vars),
        namespace: app.namespace,
        labels: { 'paddock.dev/building-block': block },
      },
      spec: {
        type: spec.type,
        version: spec.version,
        ignoreErrors: false,
        metadata: spec.metadata.map((m) => ({ name: m.name, value: fill(String(m.value ?? ''), vars) })),
      },
      scopes: [app.name],
    });
  }
  return out;
}

/** The Dapr APIs the app may call on its sidecar: the chart's rule (charts/app/templates/dapr-configuration.yaml). */
export function allowedApis(app: DevApp): string[] {
  const v = app.values;
  const apis = ['healthz'];
  if (v.networkPolicy.allowEgressTo.length) apis.push('invoke');
  if (v.statestore.enabled) apis.push('state');
  if (v.secretstore.enabled) apis.push('secrets');
  if (v.pubsub.enabled) apis.push('publish');
  if (v.binding.enabled) apis.push('bindings');
  return apis;
}

/**
 * The app's Dapr Configuration for local mode: the chart's
 * (charts/app/templates/dapr-configuration.yaml: who may call it, which APIs,
 * which secrets) plus SQLite name resolution. Access control is the chart's
 * too: deny, except the declared callers, whose sidecars prove who they are
 * with the mTLS identity the session's Sentry gave them.
 */
export function localConfiguration(app: DevApp, ctx: LocalContext): Record<string, unknown> {
  const v = app.values;
  const policies = v.networkPolicy.allowIngressFrom.map((ns) => ({
    appId: ns.replace(/-ns$/, ''),
    namespace: ns,
    trustDomain: ctx.trustDomain,
    defaultAction: 'allow',
  }));
  const scopes: Record<string, unknown>[] = [];
  if (v.secretstore.enabled) {
    scopes.push(
      v.secretstore.keys
        ? { storeName: 'secretstore', defaultAccess: 'deny', allowedSecrets: v.secretstore.keys }
        : { storeName: 'secretstore', defaultAccess: 'allow' },
    );
  }
  // (The chart also denies Kubernetes' built-in store; self-hosted daprd has none, and would warn about the scope.)

  return {
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'Configuration',
    metadata: { name: app.name, namespace: app.namespace },
    spec: {
      metric: { enabled: true, http: { increasedCardinality: false } },
      // The API log names each call and its status: how paddock dev explains a refused invocation (dev/refusals.ts).
      logging: { apiLogging: { enabled: true, omitHealthChecks: true } },
      nameResolution: {
        component: 'sqlite',
        version: 'v1',
        // cleanupInterval 0s turns off the resolver's clean-up of old rows: in
        // components-contrib v1.17.3 it deletes the rows *younger* than the
        // update interval (`now - last_update < 5`), i.e. every live sidecar's,
        // and each daprd then exits with "Host registration lost" (by default
        // an hour into a session). Lookups skip stale rows anyway.
        configuration: { connectionString: ctx.nameResolutionDb, cleanupInterval: '0s' },
      },
      accessControl: {
        defaultAction: 'deny',
        trustDomain: ctx.trustDomain,
        ...(policies.length ? { policies } : {}),
      },
      api: {
        allowed: [
          ...allowedApis(app).flatMap((name) => [
            { name, version: 'v1.0', protocol: 'http' },
            { name, version: 'v1', protocol: 'grpc' },
          ]),
          // Streaming subscriptions, as the chart allows them: how an app without a port receives its topics.
          ...(v.pubsub.enabled && v.pubsub.subscribes.length ? [{ name: 'subscribe', version: 'v1alpha1', protocol: 'grpc' }] : []),
        ],
      },
      secrets: { scopes },
    },
  };
}

/** The secret store's JSON from the author's secrets.local.yaml: a flat map of names to strings. */
export function secretsJson(text: string | undefined, file: string): Record<string, string> {
  if (text === undefined) return {};
  const raw = parse(text) as unknown;
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SecretsFileError(`${file} must be a list of "name: value" lines`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === null || v === undefined || v === '') continue; // a blank entry of the template: not set
    if (typeof v === 'object') throw new SecretsFileError(`${file}: "${k}" must be a single value (text), not a list or map`);
    out[k] = String(v);
  }
  return out;
}

export class SecretsFileError extends Error {}
