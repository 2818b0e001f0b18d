/**
 * A real Kubernetes API server for the tests: the control plane `paddock check
 * --server` runs (packages/paddock/src/server/control-plane.ts: the pinned etcd
 * and kube-apiserver, built on first use by tools/build.sh) and a small HTTPS
 * client for it, as cluster-admin. There is no kubectl here, so requests are
 * plain HTTPS.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { paths } from 'paddock/paths.js';
import { gvrOf, isNamespaced } from 'paddock/policies/resources.js';
import type { UserInfo } from 'paddock/policies/identities.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { pinnedCrds } from 'paddock/server/crds.js';
import { startControlPlane } from 'paddock/server/control-plane.js';

export interface ApiResponse {
  status: number;
  body: any;
  /** The texts of the response's Warning headers. */
  warnings: string[];
}

export interface ApiServer {
  url: string;
  /** APISERVER_URL, APISERVER_CA (a file), APISERVER_TOKEN, KUBECONFIG (a file). */
  env: Record<string, string>;
  /** One request, as cluster-admin or, with `as`, impersonating that user. */
  call(method: string, path: string, body?: unknown, as?: UserInfo): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** Starts the throw-away control plane (building the binaries first if needed) and waits until it is ready. */
export async function startApiServer(timeoutMs = 120_000, opts: { apiserverArgs?: string[] } = {}): Promise<ApiServer> {
  execFileSync(join(paths.root, 'tools', 'build.sh'), ['etcd', 'kube-apiserver'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const cp = await startControlPlane({ timeoutMs, apiserverArgs: opts.apiserverArgs });
  const env = { APISERVER_URL: cp.url, APISERVER_CA: join(cp.dir, 'ca.crt'), APISERVER_TOKEN: cp.connection.token!, KUBECONFIG: cp.kubeconfig };
  const call = (method: string, path: string, body?: unknown, as?: UserInfo) => cp.client.request(method, path, body, as ? { impersonate: as } : {});
  const stop = async () => {
    cp.client.close();
    await cp.stop();
  };
  return { url: cp.url, env, call, stop };
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

/** The pinned CustomResourceDefinition of a kind (from the generated schema set), checked to serve `version`. */
export function crdFor(group: string, kind: string, version: string): KubeObject {
  const crd = pinnedCrds().find((c) => c.spec.group === group && c.spec.names.kind === kind);
  if (!crd) throw new Error(`no pinned CRD for ${group} ${kind}`);
  if (!crd.spec.versions.some((v) => v.name === version && v.served)) throw new Error(`the pinned CRD of ${group} ${kind} does not serve ${version}`);
  return crd as unknown as KubeObject;
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
