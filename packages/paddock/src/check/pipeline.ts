import { checkConnectivity, platformFromChartValues, withExtraObjects, type ChartPlatformValues, type ConnectivityResult } from '../connectivity/index.js';
import { platformSettings } from '../contract/platform-settings.js';
import { checkValuesFile, type AppValues } from '../contract/validate.js';
import { checkManifests, tenantNamespace } from '../policies/check.js';
import { IDENTITIES, type UserInfo } from '../policies/identities.js';
import type { KubeObject, PolicySet } from '../policies/types.js';
import type { SourcedObject } from '../render/manifests.js';
import { makeReport, type Finding, type Report } from '../report/finding.js';
import type { CheckInputs } from './inputs.js';
import { placeChartObjects, placeManifests } from './placement.js';
import { startRendering, type RenderedSet } from './render-all.js';

export interface CheckResult extends Report {
  apps: AppValues[];
  connectivity?: ConnectivityResult;
}

/** What a judge of admission gets: every object to send, who sends it, the apps whose namespaces exist. */
export interface AdmissionContext {
  objects: SourcedObject[];
  identity: (o: KubeObject) => UserInfo;
  apps: { name: string; values: Record<string, unknown> }[];
  /** Whether the schema step already refused this object. */
  hasSchemaError: (o: KubeObject) => boolean;
}

export interface CheckOptions {
  name?: string;
  rendering?: Promise<RenderedSet>;
  /** Who judges admission; default the offline evaluator. `check --server` passes the API server. */
  admission?: (ctx: AdmissionContext) => Promise<Finding[]>;
  /** The policies the offline evaluator judges with; default the platform's (`check --policies` adds a team's). */
  policies?: PolicySet;
}

/**
 * `paddock check`: values files are validated, rendered through the real chart
 * and checked strictly against the schemas; every object (and the Pod each
 * workload becomes once the Dapr sidecar is injected) goes through the
 * platform's admission policies; the apps' reach is compared with what they
 * declare. Other manifests get the schema and policy checks as they are.
 */
export async function runCheck(inputs: CheckInputs, opts: CheckOptions = {}): Promise<CheckResult> {
  // Only the apps that pass the contract keep their rendering.
  const rendering = opts.rendering ?? startRendering(inputs, opts.name);
  const findings: Finding[] = [];
  const apps: AppValues[] = [];
  // The values files' text, as validation read it: connectivity findings need it for line numbers.
  const texts = new Map<string, string>();
  for (const file of inputs.valuesFiles) {
    const r = await checkValuesFile(file, { name: inputs.valuesFiles.length === 1 ? opts.name : undefined });
    findings.push(...r.findings);
    if (r.app && r.vf) {
      apps.push(r.app);
      texts.set(file, r.vf.text);
    }
  }
  const valid = new Map(apps.map((a) => [a.file, a]));
  const rendered = await rendering;
  const renderedApps = rendered.apps.filter((r) => valid.has(r.app.file));
  findings.push(...rendered.findings.filter((f) => !inputs.valuesFiles.includes(f.file ?? '') || valid.has(f.file ?? '')));
  // Judged where the cluster would put them: hand-written objects without a namespace in `default` (reported), the chart's in their release namespace.
  placeChartObjects(renderedApps);
  findings.push(
    ...placeManifests(
      rendered.manifests,
      renderedApps.map((a) => a.app.name),
    ),
  );

  const all = [...renderedApps.flatMap((a) => a.objects), ...rendered.manifests];
  const namespaces = new Set<string>(renderedApps.map((a) => a.app.namespace));
  for (const o of rendered.manifests) if (o.object.metadata.namespace?.endsWith('-ns')) namespaces.add(o.object.metadata.namespace);
  const tenants = new Map([...namespaces].map((ns) => [ns, tenantNamespace(ns.replace(/-ns$/, ''))]));
  const source = new Map<unknown, SourcedObject>(all.map((o) => [o.object, o]));
  // Each object is judged as the identity that would send it: the chart's as Flux's helm-controller, hand-written ones as a tenant.
  const fromChart = new Set<unknown>(renderedApps.flatMap((a) => a.objects.map((o) => o.object)));
  const identity = (o: KubeObject): UserInfo => (fromChart.has(o) ? IDENTITIES.chartDelivery : IDENTITIES.tenant);
  if (opts.admission) {
    const refusedBySchema = new Set(rendered.findings.filter((f) => f.rule === 'schema' && f.severity === 'error').map((f) => `${f.file}\u0000${f.path}`));
    findings.push(
      ...(await opts.admission({
        objects: all,
        identity,
        apps: renderedApps.map(({ app }) => ({ name: app.name, values: (valid.get(app.file) as AppValues).values as Record<string, unknown> })),
        hasSchemaError: (o) => refusedBySchema.has(`${source.get(o)?.file}\u0000${o.kind}/${o.metadata?.name ?? '?'}`),
      })),
    );
  } else {
    findings.push(
      ...(await checkManifests(
        all.map((o) => o.object as KubeObject),
        { namespaces: [...tenants.values()], locate: (o) => source.get(o), identity, policies: opts.policies },
      )),
    );
  }

  let connectivity: ConnectivityResult | undefined;
  if (renderedApps.length > 0) {
    const inputsForApps = renderedApps.map(({ app, objects }) => ({
      name: app.name,
      namespace: app.namespace,
      file: app.file,
      values: (valid.get(app.file) as AppValues).values,
      valuesText: texts.get(app.file),
      namespaceLabels: tenants.get(app.namespace)?.metadata.labels,
      objects: objects.map((o) => o.object as KubeObject),
    }));
    // Hand-written manifests in an app's namespace (an extra NetworkPolicy, say) count towards its reach.
    const withManifests = withExtraObjects(
      inputsForApps,
      rendered.manifests.map((o) => o.object as KubeObject),
      platformFromChartValues(platformSettings() as ChartPlatformValues),
    );
    connectivity = checkConnectivity(withManifests.apps, { platform: withManifests.platform });
    findings.push(...connectivity.findings);
  }

  findings.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  return { ...makeReport(findings), apps, connectivity };
}
