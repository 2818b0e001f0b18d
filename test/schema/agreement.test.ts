/**
 * The generated schemas and the API server they were generated from agree:
 * for every sample object, kubeconform -strict on the generated schemas and a
 * server-side dry run with strict field validation (the pinned CRDs
 * installed) both accept it, or both refuse it. The samples cover what
 * strictness is for: unknown fields (at the root, in metadata, deep in a pod
 * template, in a CRD's spec), wrong types, missing required fields, values
 * outside an enum, a CRD version that is not served, and the open places
 * that must stay open (a HelmRelease's values, annotations).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { paths, tool } from 'paddock/paths.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { run } from 'paddock/run.js';
import { ensureSchemas } from 'paddock/schema/generated.js';
import { kubeconformArgs } from 'paddock/schema/index.js';
import { installCrds, pinnedCrds } from 'paddock/server/crds.js';
import { collectionPath, startApiServer, type ApiServer } from '../lib/apiserver.js';
import { renderApp1 } from '../policies/cases.js';

type Json = Record<string, any>;
const NS = 'agree';

interface Sample {
  name: string;
  object: Json;
  /** What both must say. */
  accepted: boolean;
}

function edited(o: Json, name: string, edit: (x: Json) => void): Json {
  const c = structuredClone(o);
  c.metadata = { ...c.metadata, name, namespace: NS };
  edit(c);
  return c;
}

const rendered = renderApp1() as Json[];
const configMap: Json = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { greeting: 'hello' } };
const of = (kind: string): Json => (kind === 'ConfigMap' ? configMap : rendered.find((o) => o.kind === kind)!);
const release = parse(readFileSync(join(paths.platform, 'apps', 'app1', 'release.yaml'), 'utf8')) as Json;

const samples: Sample[] = [
  // The chart's own objects, as rendered: accepted.
  ...[
    'Deployment',
    'Service',
    'NetworkPolicy',
    'ConfigMap',
    'ServiceAccount',
    'ResourceQuota',
    'Component',
    'ExternalSecret',
    'SecretStore',
    'Configuration',
  ].map((k) => ({ name: `${k} as the chart renders it`, object: edited(of(k), `ok-${k.toLowerCase()}`, () => {}), accepted: true })),
  { name: 'HelmRelease as onboarding writes it', object: edited(release, 'ok-release', () => {}), accepted: true },
  {
    name: 'HelmRelease with any values (preserve-unknown-fields stays open)',
    object: edited(release, 'ok-values', (x) => (x.spec.values = { anything: { at: ['all', 1] } })),
    accepted: true,
  },
  {
    name: 'Deployment with extra annotations',
    object: edited(of('Deployment'), 'ok-annotations', (x) => (x.metadata.annotations = { 'example.com/a': 'b' })),
    accepted: true,
  },

  // Unknown fields.
  { name: 'Deployment: unknown spec field', object: edited(of('Deployment'), 'bad-spec-field', (x) => (x.spec.replicass = 2)), accepted: false },
  {
    name: 'Deployment: unknown container field',
    object: edited(of('Deployment'), 'bad-container-field', (x) => (x.spec.template.spec.containers[0].imagee = 'x')),
    accepted: false,
  },
  { name: 'ConfigMap: unknown top-level field', object: edited(of('ConfigMap'), 'bad-root-field', (x) => (x.extra = true)), accepted: false },
  {
    name: 'ConfigMap: unknown metadata field',
    object: edited(of('ConfigMap'), 'bad-metadata-field', (x) => (x.metadata.labelz = { a: 'b' })),
    accepted: false,
  },
  { name: 'HelmRelease: unknown spec field', object: edited(release, 'bad-hr-spec', (x) => (x.spec.intervall = '5m')), accepted: false },
  { name: 'HelmRelease: unknown top-level field (strict root)', object: edited(release, 'bad-hr-root', (x) => (x.extra = 1)), accepted: false },
  {
    name: 'HelmRelease: unknown metadata field (ObjectMeta)',
    object: edited(release, 'bad-hr-metadata', (x) => (x.metadata.labelz = { a: 'b' })),
    accepted: false,
  },

  // Wrong types.
  { name: 'Deployment: replicas as a word', object: edited(of('Deployment'), 'bad-replicas', (x) => (x.spec.replicas = 'three')), accepted: false },
  { name: 'ConfigMap: a number as a data value', object: edited(of('ConfigMap'), 'bad-data', (x) => (x.data = { a: 1 })), accepted: false },
  { name: 'Service: port as an object', object: edited(of('Service'), 'bad-port', (x) => (x.spec.ports[0].port = { n: 1 })), accepted: false },
  { name: 'Dapr Component: version as a number', object: edited(of('Component'), 'bad-component-version', (x) => (x.spec.version = 1)), accepted: false },

  // Missing required fields.
  {
    name: 'Deployment: container without a name',
    object: edited(of('Deployment'), 'bad-no-name', (x) => delete x.spec.template.spec.containers[0].name),
    accepted: false,
  },
  { name: 'Deployment: no selector', object: edited(of('Deployment'), 'bad-no-selector', (x) => delete x.spec.selector), accepted: false },
  { name: 'HelmRelease: no interval', object: edited(release, 'bad-no-interval', (x) => delete x.spec.interval), accepted: false },
  { name: 'Dapr Component: no type', object: edited(of('Component'), 'bad-no-type', (x) => delete x.spec.type), accepted: false },

  // Enums, and versions the CRD does not serve.
  { name: 'Service: a type that does not exist', object: edited(of('Service'), 'bad-type', (x) => (x.spec.type = 'Sideways')), accepted: false },
  {
    name: 'ExternalSecret v1beta1 (not served by ESO 2.3.0)',
    object: edited(of('ExternalSecret'), 'bad-version', (x) => (x.apiVersion = 'external-secrets.io/v1beta1')),
    accepted: false,
  },
];

let api: ApiServer;

before(async () => {
  await ensureSchemas();
  api = await startApiServer();
  const { KubeClient } = await import('paddock/server/client.js');
  const client = new KubeClient({ server: api.env.APISERVER_URL!, ca: readFileSync(api.env.APISERVER_CA!), token: api.env.APISERVER_TOKEN! });
  try {
    await installCrds(client, pinnedCrds());
  } finally {
    client.close();
  }
  assert.equal((await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })).status, 201);
});

after(() => api?.stop());

/** kubeconform's verdict on each sample (one process for all). */
async function offlineVerdicts(): Promise<Map<string, string | undefined>> {
  const stream = samples.map((s) => stringify(s.object)).join('---\n');
  const r = await run(tool('kubeconform'), kubeconformArgs({ summary: false }), {
    input: stream,
  });
  const out = JSON.parse(r.stdout) as { resources?: { name: string; status: string; msg: string }[] };
  const refusals = new Map<string, string | undefined>();
  for (const s of samples) refusals.set(s.object.metadata.name, undefined);
  for (const res of out.resources ?? []) if (res.status !== 'statusValid') refusals.set(res.name, `${res.status}: ${res.msg}`);
  return refusals;
}

describe('generated schemas and the API server agree', { timeout: 10 * 60_000 }, () => {
  it('every sample is accepted by both or refused by both', async () => {
    const offline = await offlineVerdicts();
    const disagreements: string[] = [];
    for (const s of samples) {
      const r = await api.call('POST', `${collectionPath(s.object as KubeObject)}?dryRun=All&fieldValidation=Strict`, s.object);
      const server = r.status >= 200 && r.status < 300 ? undefined : `${r.status}: ${r.body?.message ?? JSON.stringify(r.body).slice(0, 200)}`;
      const schema = offline.get(s.object.metadata.name);
      const line = `${s.name}: server ${server ? `refuses (${server})` : 'accepts'}, schemas ${schema ? `refuse (${schema})` : 'accept'}`;
      if ((server === undefined) !== (schema === undefined)) disagreements.push(line);
      else if ((server === undefined) !== s.accepted) disagreements.push(`${line}; expected both to ${s.accepted ? 'accept' : 'refuse'}`);
    }
    assert.deepEqual(disagreements, []);
    assert.ok(samples.length >= 20, `${samples.length} samples`);
  });

  it('the schemas are those of the running API server', async () => {
    const v = await api.call('GET', '/version');
    const provenance = JSON.parse(readFileSync(join(await ensureSchemas(), 'provenance.json'), 'utf8'));
    assert.equal(provenance.apiserver, v.body.gitVersion);
  });
});
