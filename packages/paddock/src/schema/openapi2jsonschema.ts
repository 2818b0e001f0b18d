/**
 * JSON schemas for kubeconform, converted the way kubeconform's own tools do:
 *
 * - core kinds from the API server's OpenAPI v2 document, as
 *   `openapi2jsonschema --kubernetes --expanded --stand-alone --strict` does
 *   (instrumenta/openapi2jsonschema, the generator behind
 *   yannh/kubernetes-json-schema, which kubeconform loads by default): refs
 *   inlined, `additionalProperties: false` on every object that has
 *   properties and no additionalProperties of its own, int-or-string as
 *   string|integer, Quantity as string|number, optional fields nullable, files
 *   named `<kind>-<group>-<version>.json` (`<kind>-<version>.json` for core);
 * - CRD kinds from the CRD manifests, as kubeconform's
 *   scripts/openapi2jsonschema.py does, named `<group>/<kind>_<version>.json`,
 *   with four changes so that they refuse what the API server refuses (it is
 *   the judge; see schemas/README.md): versions the CRD does not serve are
 *   left out, the root is strict too, `metadata` is the API server's
 *   ObjectMeta, and objects marked `x-kubernetes-preserve-unknown-fields`
 *   stay open.
 */

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI schemas as JSON, walked field by field
type Json = Record<string, any>;

const isDict = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** additional_properties(): every dict with properties and no additionalProperties becomes strict (lists are not walked, as upstream). */
function additionalProperties(data: unknown, skip = false, keepOpen = false): void {
  if (!isDict(data)) return;
  const open = keepOpen && data['x-kubernetes-preserve-unknown-fields'] === true;
  if ('properties' in data && !skip && !('additionalProperties' in data) && !open) data.additionalProperties = false;
  for (const v of Object.values(data)) additionalProperties(v, false, keepOpen);
}

const INT_OR_STRING = () => ({ oneOf: [{ type: 'string' }, { type: 'integer' }] });

/** replace_int_or_string(). */
function replaceIntOrString(data: unknown): unknown {
  if (!isDict(data)) return data;
  const out: Json = {};
  for (const [k, v] of Object.entries(data)) {
    if (isDict(v)) out[k] = v.format === 'int-or-string' ? INT_OR_STRING() : replaceIntOrString(v);
    else if (Array.isArray(v)) out[k] = v.map(replaceIntOrString);
    else out[k] = v;
  }
  return out;
}

/**
 * allow_null_optional_fields(), as in the generator of
 * yannh/kubernetes-json-schema: a field's `type` becomes `[type, "null"]`
 * unless the object holding it lists the field in `required`.
 */
function allowNullOptionalFields(data: unknown, parent?: unknown, grandParent?: unknown, key?: string): unknown {
  if (!isDict(data)) return data;
  const out: Json = {};
  for (const [k, v] of Object.entries(data)) {
    if (isDict(v)) out[k] = allowNullOptionalFields(v, data, parent, k);
    else if (Array.isArray(v)) out[k] = v.map((x) => allowNullOptionalFields(x, v, parent, k));
    else if (typeof v === 'string' && k === 'type' && v !== 'null') {
      const required = isDict(grandParent) && Array.isArray(grandParent.required) && key !== undefined && grandParent.required.includes(key);
      out[k] = required ? v : [v, 'null'];
    } else out[k] = v;
  }
  return out;
}

function appendNoDuplicates(obj: Json, key: string, value: string): void {
  obj[key] ??= [];
  if (!obj[key].includes(value)) obj[key].push(value);
}

/** Kinds openapi2jsonschema cannot inline (their schemas are recursive). */
const NOT_STANDALONE = new Set([
  'jsonschemaprops',
  'jsonschemapropsorarray',
  'customresourcevalidation',
  'customresourcedefinition',
  'customresourcedefinitionspec',
  'customresourcedefinitionlist',
  'jsonschemapropsorstringarray',
  'jsonschemapropsorbool',
]);

const REF_PREFIX = '#/definitions/';

/** JsonRef.replace_refs: every {"$ref": …} is replaced by its (already inlined) target; siblings of $ref are dropped, as jsonref does. */
function inline(v: unknown, definitions: Json, resolving: string[], memo: Map<string, unknown>): unknown {
  if (Array.isArray(v)) return v.map((x) => inline(x, definitions, resolving, memo));
  if (!isDict(v)) return v;
  if (typeof v.$ref === 'string') {
    const name = v.$ref.startsWith(REF_PREFIX) ? v.$ref.slice(REF_PREFIX.length) : v.$ref;
    if (!(name in definitions)) throw new Error(`unresolvable $ref ${v.$ref}`);
    if (resolving.includes(name)) throw new Error(`recursive schema ${name}`);
    if (!memo.has(name)) memo.set(name, inline(definitions[name], definitions, [...resolving, name], memo));
    return structuredClone(memo.get(name));
  }
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) out[k] = inline(x, definitions, resolving, memo);
  return out;
}

/** `<kind>[-<group>]-<version>` from a definition name like io.k8s.api.apps.v1.Deployment. */
function coreSchemaName(title: string): string {
  const parts = title.split('.');
  const kind = parts.at(-1)!.toLowerCase();
  const group = parts.at(-3)!.toLowerCase();
  const version = parts.at(-2)!.toLowerCase();
  return ['core', 'api'].includes(group) ? `${kind}-${version}` : `${kind}-${group}-${version}`;
}

/**
 * The standalone strict schema of every kind in an OpenAPI v2 document
 * (definitions that carry x-kubernetes-group-version-kind), by file name.
 */
export function coreSchemas(openapi: Json): Map<string, Json> {
  const definitions: Json = structuredClone(openapi.definitions ?? {});
  if (Object.keys(definitions).length === 0) throw new Error('the OpenAPI document has no definitions');
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = INT_OR_STRING();
  // As upstream: most Kubernetes tooling accepts a number where a Quantity goes.
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
  for (const def of Object.values(definitions) as Json[]) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      if (def.properties?.apiVersion) appendNoDuplicates(def.properties.apiVersion, 'enum', gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);
      if (def.properties?.kind) appendNoDuplicates(def.properties.kind, 'enum', gvk.kind);
    }
  }
  additionalProperties(definitions);
  const memo = new Map<string, unknown>();
  const out = new Map<string, Json>();
  for (const [title, def] of Object.entries(definitions) as [string, Json][]) {
    if (!def['x-kubernetes-group-version-kind']) continue;
    const parts = title.split('.');
    if (parts[2] === 'kubernetes' && parts[3] === 'pkg') continue; // deprecated io.k8s.kubernetes.pkg.* aliases
    if (NOT_STANDALONE.has(parts.at(-1)!.toLowerCase())) continue;
    let spec: Json = { ...structuredClone(def), $schema: 'http://json-schema.org/schema#' };
    spec.type ??= 'object';
    spec.additionalProperties = false;
    try {
      spec = inline(spec, definitions, [title], memo) as Json;
    } catch {
      continue; // a recursive schema cannot stand alone; upstream skips it too
    }
    if (spec.properties) {
      additionalProperties(spec.properties);
      spec.properties = allowNullOptionalFields(replaceIntOrString(spec.properties));
    }
    out.set(`${coreSchemaName(title)}.json`, spec);
  }
  return out;
}

/** ObjectMeta as the core schemas have it (strict, nullable), for CRD roots. */
export function objectMetaSchema(openapi: Json): Json | undefined {
  const configMap = coreSchemas({ definitions: pickDefinitions(openapi, 'io.k8s.api.core.v1.ConfigMap') }).get('configmap-v1.json');
  return configMap?.properties?.metadata;
}

/** Only `root` and what it refers to (to convert one kind cheaply). */
function pickDefinitions(openapi: Json, root: string): Json {
  const all: Json = openapi.definitions ?? {};
  const keep: Json = {};
  const visit = (name: string): void => {
    if (name in keep || !(name in all)) return;
    keep[name] = all[name];
    JSON.stringify(all[name], (k, v) => {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) visit(v.slice(REF_PREFIX.length));
      return v;
    });
  };
  visit(root);
  return keep;
}

/** One CRD version's schema file: `<group>/<kind>_<version>.json`. */
export interface CrdSchema {
  group: string;
  kind: string;
  version: string;
  file: string;
  schema: Json;
}

/** The strict schema of every served version of a CustomResourceDefinition. */
export function crdSchemas(crd: Json, objectMeta?: Json): CrdSchema[] {
  if (crd?.kind !== 'CustomResourceDefinition' || !isDict(crd.spec)) return [];
  const { group, names } = crd.spec;
  const out: CrdSchema[] = [];
  for (const v of crd.spec.versions ?? []) {
    const raw = v?.schema?.openAPIV3Schema;
    if (!isDict(raw) || v.served === false) continue;
    const root: Json = structuredClone(raw);
    root.properties ??= {};
    root.properties.apiVersion ??= { type: 'string' };
    root.properties.kind ??= { type: 'string' };
    if (objectMeta) root.properties.metadata = structuredClone(objectMeta);
    additionalProperties(root, false, true);
    const kind = String(names.kind).toLowerCase();
    out.push({
      group,
      kind: names.kind,
      version: v.name,
      file: `${group}/${kind}_${String(v.name).toLowerCase()}.json`,
      schema: replaceIntOrString(root) as Json,
    });
  }
  return out;
}
