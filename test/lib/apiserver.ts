/**
 * A real Kubernetes 1.32 API server for the tests: tools/run-apiserver.sh
 * (pinned etcd + kube-apiserver, built on first use by tools/build.sh) and a
 * small HTTPS client for it. There is no kubectl here, so requests are plain
 * HTTPS with the bearer token the script prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { paths } from 'paddock/paths.js';
import { gvrOf, isNamespaced } from 'paddock/policies/resources.js';
import type { KubeObject } from 'paddock/policies/types.js';

export interface ApiResponse {
  status: number;
  body: any;
  /** The texts of the response's Warning headers (`299 - "…"`), as clients show them. */
  warnings: string[];
}

/** `299 - "text", 299 - "other"` → the texts (RFC 7234 warn-values, as k8s.io/apiserver/pkg/endpoints/handlers writes them). */
export function warningTexts(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const out: string[] = [];
  for (const v of values) {
    for (const m of v.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) out.push(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return out;
}

export interface ApiServer {
  url: string;
  /** What run-apiserver.sh printed: APISERVER_URL, APISERVER_CA, APISERVER_TOKEN, KUBECONFIG. */
  env: Record<string, string>;
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** Starts tools/run-apiserver.sh and waits for READY (it builds the binaries first if needed). */
export async function startApiServer(timeoutMs = 15 * 60_000): Promise<ApiServer> {
  const child: ChildProcess = spawn(join(paths.root, 'tools', 'run-apiserver.sh'), [], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const env: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kube-apiserver not ready after ${timeoutMs / 1000} s\n${stderr}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tools/run-apiserver.sh exited with ${code} before READY:\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'READY') {
        clearTimeout(timer);
        resolve();
        return;
      }
      const i = line.indexOf('=');
      if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
    });
  });
  const url = env.APISERVER_URL!;
  const ca = readFileSync(env.APISERVER_CA!);
  const token = env.APISERVER_TOKEN!;

  const call = (method: string, path: string, body?: unknown) =>
    new Promise<ApiResponse>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, url),
        {
          method,
          ca,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* keep the text */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings: warningTexts(res.headers.warning) });
          });
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, env, call, stop };
}

/** The collection URL of an object's kind (in its namespace, if namespaced). */
export function collectionPath(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const { group, version, resource } = gvrOf(o);
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return isNamespaced(o.kind) ? `${base}/namespaces/${o.metadata.namespace}/${resource}` : `${base}/${resource}`;
}

export function objectPath(o: KubeObject): string {
  return `${collectionPath(o)}/${o.metadata.name}`;
}

type Json = Record<string, any>;

/** The CRD's schema back from the pinned JSON schema: drop the `additionalProperties: false` kubeconform's copy adds. */
function unstrict(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unstrict);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'additionalProperties' && x === false) continue;
      if (k === '$schema') continue;
      out[k] = unstrict(x);
    }
    return out;
  }
  return v;
}

/** A CustomResourceDefinition for a kind, from schemas/crds-pinned (the versions the platform pins). */
export function crdFor(group: string, kind: string, version: string): KubeObject {
  const plural = gvrOf({ apiVersion: `${group}/${version}`, kind }).resource;
  const schema = JSON.parse(readFileSync(join(paths.schemas, 'crds-pinned', group, `${kind.toLowerCase()}_${version}.json`), 'utf8'));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: unstrict(schema) } }],
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}
