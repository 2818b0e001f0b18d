/** What the API server serves, from its aggregated discovery: kind → resource and scope. */
import type { KubeClient } from './client.js';

export interface ServedResource {
  /** `/api/v1` or `/apis/<group>/<version>` */
  base: string;
  resource: string;
  namespaced: boolean;
}

const ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

export async function discover(client: KubeClient): Promise<Map<string, ServedResource>> {
  const served = new Map<string, ServedResource>();
  for (const root of ['/api', '/apis']) {
    const r = await client.request('GET', root, undefined, { accept: ACCEPT });
    if (r.status !== 200) throw new Error(`GET ${root} answered ${r.status}: ${r.body?.message ?? ''}`);
    for (const g of r.body?.items ?? []) {
      const group: string = g.metadata?.name ?? '';
      for (const v of g.versions ?? []) {
        for (const res of v.resources ?? []) {
          const kind = res.responseKind?.kind;
          if (!kind) continue;
          const apiVersion = group ? `${group}/${v.version}` : v.version;
          served.set(`${apiVersion}/${kind}`, {
            base: group ? `/apis/${group}/${v.version}` : `/api/${v.version}`,
            resource: res.resource,
            namespaced: res.scope === 'Namespaced',
          });
        }
      }
    }
  }
  return served;
}
