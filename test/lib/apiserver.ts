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
}

export interface ApiServer {
  url: string;
  /** What run-apiserver.sh printed: APISERVER_URL, APISERVER_CA, APISERVER_TOKEN, KUBECONFIG. */
  env: Record<string, string>;
  /** One request; `headers` adds to (or overrides) the defaults, e.g. Impersonate-User. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string | string[]>): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** Starts tools/run-apiserver.sh and waits for READY (it builds the binaries first if needed). */
export async function startApiServer(timeoutMs = 15 * 60_000, opts: { extraArgs?: string[] } = {}): Promise<ApiServer> {
  const env = opts.extraArgs?.length ? { ...process.env, PADDOCK_APISERVER_ARGS: opts.extraArgs.join(' ') } : process.env;
  const child: ChildProcess = spawn(join(paths.root, 'tools', 'run-apiserver.sh'), [], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const printed: Record<string, string> = {};
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
      if (i > 0) printed[line.slice(0, i)] = line.slice(i + 1);
    });
  });
  const url = printed.APISERVER_URL!;
  const ca = readFileSync(printed.APISERVER_CA!);
  const token = printed.APISERVER_TOKEN!;

  const call = (method: string, path: string, body?: unknown, extra: Record<string, string | string[]> = {}) =>
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
            ...extra,
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
            resolve({ status: res.statusCode ?? 0, body: parsed });
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
  return { url, env: printed, call, stop };
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

/** Request headers that send a request as `user` (the test token may impersonate anyone). */
export function impersonating(user: { username: string; groups: string[] }): Record<string, string | string[]> {
  return { 'Impersonate-User': user.username, 'Impersonate-Group': user.groups };
}

/** A CRD that accepts any object of its kind: where the test needs admission, not the kind's schema, to judge. */
export function looseCrd(group: string, kind: string, version: string): KubeObject {
  const plural = gvrOf({ apiVersion: `${group}/${version}`, kind }).resource;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}
