import { checkConnectivity, type ConnectivityResult } from '../connectivity/index.js';
import { checkValuesFile, type AppValues } from '../contract/validate.js';
import { checkManifests, tenantNamespace } from '../policies/check.js';
import type { KubeObject } from '../policies/types.js';
import type { SourcedObject } from '../render/manifests.js';
import { makeReport, type Finding, type Report } from '../report/finding.js';
import type { CheckInputs } from './inputs.js';
import { renderAll } from './render-all.js';

export interface CheckResult extends Report {
  apps: AppValues[];
  connectivity?: ConnectivityResult;
}

/**
 * `paddock check`: values files are validated, rendered through the real chart
 * and checked strictly against the schemas; every object (and the Pod each
 * workload becomes once the Dapr sidecar is injected) goes through the
 * platform's admission policies; the apps' reach is compared with what they
 * declare. Other manifests get the schema and policy checks as they are.
 */
export async function runCheck(inputs: CheckInputs, opts: { name?: string } = {}): Promise<CheckResult> {
  const findings: Finding[] = [];
  const apps: AppValues[] = [];
  for (const file of inputs.valuesFiles) {
    const r = await checkValuesFile(file, { name: inputs.valuesFiles.length === 1 ? opts.name : undefined });
    findings.push(...r.findings);
    if (r.app) apps.push(r.app);
  }

  const rendered = await renderAll(apps, inputs.manifestFiles);
  findings.push(...rendered.findings);

  const all = [...rendered.apps.flatMap((a) => a.objects), ...rendered.manifests];
  const namespaces = new Set<string>([...rendered.apps.map((a) => a.app.namespace)]);
  for (const o of rendered.manifests) if (o.object.metadata.namespace?.endsWith('-ns')) namespaces.add(o.object.metadata.namespace);
  const source = new Map<unknown, SourcedObject>(all.map((o) => [o.object, o]));
  findings.push(
    ...checkManifests(all.map((o) => o.object as KubeObject), {
      namespaces: [...namespaces].map((ns) => tenantNamespace(ns.replace(/-ns$/, ''))),
      locate: (o) => source.get(o),
    }),
  );

  let connectivity: ConnectivityResult | undefined;
  if (rendered.apps.length > 0) {
    connectivity = checkConnectivity(
      rendered.apps.map(({ app, objects }) => ({ name: app.name, namespace: app.namespace, file: app.file, values: app.values, objects: objects.map((o) => o.object as KubeObject) })),
    );
    findings.push(...connectivity.findings);
  }

  findings.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  return { ...makeReport(findings), apps, connectivity };
}
