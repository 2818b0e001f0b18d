/** The pinned CRDs (from the generated schema set), and installing them on a server. */
import { readFileSync } from 'node:fs';
import { crdManifestFiles } from '../schema/generated.js';
import type { KubeClient } from './client.js';

export interface Crd {
  apiVersion: string;
  kind: 'CustomResourceDefinition';
  metadata: { name: string; [k: string]: unknown };
  spec: { group: string; names: { kind: string; plural: string }; scope: string; versions: { name: string; served: boolean }[] };
}

let cached: Crd[] | undefined;

/** Every pinned CRD, as its component ships it. */
export function pinnedCrds(): Crd[] {
  cached ??= crdManifestFiles().map((f) => JSON.parse(readFileSync(f, 'utf8')) as Crd);
  if (cached.length === 0) throw new Error('the generated schema set has no CRDs; run `make setup` (or any `paddock check`) to make it');
  return cached;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the CRDs and waits until the server serves them (Established). */
export async function installCrds(client: KubeClient, crds: Crd[], timeoutMs = 60_000): Promise<void> {
  for (const crd of crds) {
    const r = await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    if (r.status !== 201 && r.status !== 409) throw new Error(`installing the CRD ${crd.metadata.name}: ${r.status} ${r.body?.message ?? ''}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const r = await client.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      if (r.body?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`the CRD ${crd.metadata.name} was not established after ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  }
}
