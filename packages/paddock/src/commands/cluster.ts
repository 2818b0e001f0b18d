import type { Command } from 'commander';
import pc from 'picocolors';
import { paths, requireCheckout } from '../paths.js';
import { EXIT, makeReport, type Finding } from '../report/finding.js';
import { emitReport } from '../report/print.js';
import { UserError } from '../report/errors.js';
import { delimiter, join, resolve } from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import {
  CLUSTER,
  chooseImageSource,
  clusterCharts,
  clusterImages,
  clusterManifests,
  describe,
  missingTools,
  formatPlan,
  formatTable,
  planFor,
  planOptions,
  readFlux,
  readSecretSync,
  runPlan,
  smokeTests,
  PROMISES,
  type CheckResult,
  statusRows,
  UP_PHASES,
  type ClusterImage,
  type ImageSource,
  type PlanOptions,
  type Step,
} from '../cluster/index.js';
import { listedApps } from '../gitops/apps-list.js';
import { layout } from '../gitops/layout.js';
import { printJson } from '../report/json.js';

interface Opts {
  dryRun?: boolean;
  json?: boolean;
  images?: string;
  until?: string;
  pool?: string[];
  platform?: string;
}

/** What a command's flags add to the plan's options. */
async function planExtras(command: 'up' | 'sync' | 'down', opts: Opts): Promise<Partial<PlanOptions>> {
  if (command === 'up') {
    const c = await chooseImageSource(opts.images);
    return { images: c.source, imagesWhy: c.why, until: opts.until, pools: opts.pool };
  }
  return command === 'sync' && opts.platform ? { platform: treeDir(opts.platform) } : {};
}

/** --platform's tree: a folder with apps/ and clusters/, anywhere (flux pushes it as it is). */
function treeDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(join(abs, 'apps')) || !existsSync(join(abs, 'clusters')))
    throw new UserError(`--platform ${dir} is not a GitOps tree (no apps/ and clusters/ in it)`, 'Point it at a copy of platform/.');
  return abs;
}

const pulledBy = (placement: ClusterImage['placement']): string =>
  placement === 'preload' ? 'built into kindest/node' : placement === 'host' ? "its registry, by this machine's Docker" : 'its registry, by each node';

/** Each image of the cluster with where it comes from under this plan (what --dry-run shows first). */
function imageSources(o: PlanOptions): { ref: string; source: ImageSource; from: string }[] {
  return clusterImages(o.root).map((i) =>
    o.images === 'build'
      ? { ref: i.ref, source: 'build' as const, from: i.from }
      : i.placement === 'node'
        ? { ref: 'kindest/node', source: 'pull' as const, from: 'docker.io, by the digest in platform/clusters/kind/kind-config.yaml' }
        : { ref: i.ref, source: 'pull' as const, from: pulledBy(i.placement) },
  );
}

/** Where the controllers' charts come from under this plan: their HelmRepositories, or the bootstrap registry. */
function chartSources(o: PlanOptions): { chart: string; from: string; substitution?: string }[] {
  if (o.images !== 'build') return [{ chart: 'every chart', from: 'its HelmRepository in platform/infrastructure/controllers/sources.yaml' }];
  return [
    ...clusterCharts(o.root).map((c) => ({
      chart: `oci://${CLUSTER.registry}:5000/${CLUSTER.chartsRepository}/${c.name}:${c.version}`,
      from: c.from,
      ...(c.substitution ? { substitution: c.substitution } : {}),
    })),
    // controllers with no chart in a module: their own manifests, as an OCI artifact Flux applies
    ...clusterManifests(o.root).map((m) => ({
      chart: `oci://${CLUSTER.registry}:5000/${CLUSTER.manifestsRepository}/${m.name}:${m.version}`,
      from: m.from,
      substitution: m.substitution,
    })),
  ];
}

function sourcesText(o: PlanOptions, images: { ref: string; source: ImageSource; from: string }[]): string {
  const charts = chartSources(o);
  return (
    `images: ${o.images === 'build' ? 'built here from pinned source' : 'pulled from their registries'}${o.imagesWhy ? ` (${o.imagesWhy})` : ''}\n` +
    `${images.map((i) => `  ${i.source.padEnd(5)} ${i.ref}  ← ${i.from}`).join('\n')}\n` +
    `charts and manifests of the platform's controllers: ${o.images === 'build' ? 'served by the bootstrap registry (platform/clusters/kind-airgapped)' : 'pulled by Flux'}\n` +
    `${charts.map((c) => `  ${c.chart}  ← ${c.from}${c.substitution ? `\n      substitution: ${c.substitution}` : ''}`).join('\n')}\n\n`
  );
}

function printPlan(command: string, steps: Step[], json: boolean, o?: PlanOptions): void {
  const images = command === 'up' && o ? imageSources(o) : undefined;
  if (json) {
    printJson({
      ok: true,
      command,
      ...(images ? { imageSource: o!.images ?? 'pull', imageSourceWhy: o!.imagesWhy, images, charts: chartSources(o!) } : {}),
      steps: steps.map((s, i) => ({ n: i + 1, phase: s.phase, title: s.title, action: s.action, does: describe(s.action) })),
    });
    return;
  }
  const head = images ? sourcesText(o!, images) : '';
  process.stdout.write(`paddock cluster ${command}: the plan (${steps.length} steps, nothing run)\n\n${head}${formatPlan(steps).join('\n')}\n`);
}

/** paddock's pinned tools (tools/bin, from tools/build.sh) come first on PATH for the bootstrap's commands. */
function pinnedToolsFirst(toolsBin: string): void {
  if (existsSync(toolsBin)) process.env.PATH = [toolsBin, process.env.PATH ?? ''].filter(Boolean).join(delimiter);
}

function needTools(tools: string[]): void {
  const missing = missingTools(tools);
  if (missing.length) throw new UserError(`missing tools:\n  ${missing.join('\n  ')}`);
}

async function status(json: boolean, platform = paths.platform): Promise<number> {
  const objects = await readFlux();
  const rows = statusRows(objects, listedApps(layout(platform)), await readSecretSync());
  const ok = rows.length > 0 && rows.every((r) => r.ready === 'True');
  if (json) printJson({ ok, rows });
  else process.stdout.write(`${formatTable(rows)}\n${ok ? pc.green('✔ everything is Ready') : pc.yellow('! not everything is Ready yet')}\n`);
  return ok ? EXIT.ok : EXIT.findings;
}

export function register(program: Command): void {
  const cluster = program.command('cluster').description('Run the platform on a local kind cluster: bootstrap, status, smoke tests, teardown');
  cluster.hook('preAction', () => requireCheckout('paddock cluster'));
  const about = {
    up: 'Create the kind cluster, install Cilium and Flux, hand the platform/ tree to Flux, publish the chart and images, wait until everything is Ready',
    sync: 'Hand the platform/ tree to Flux again (after onboard/offboard or any change under platform/) and wait until it is applied',
    down: 'Delete the kind cluster and the bootstrap registry',
  } as const;
  for (const command of ['up', 'sync', 'down'] as const) {
    const c = cluster
      .command(command)
      .description(about[command])
      .option('--dry-run', 'print the ordered plan, run nothing')
      .option('--json', 'print the plan (or result) as JSON');
    if (command === 'sync') c.option('--platform <dir>', 'the GitOps tree to hand to Flux (default: platform/ of this checkout)');
    if (command === 'up') {
      c.option(
        '--images <source>',
        'where the images come from: pull (upstream registries), build (from pinned source, here), auto: pull where the registries answer (default auto; env PADDOCK_IMAGE_SOURCE)',
      );
      c.option('--until <phase>', `stop after this phase (${UP_PHASES.join(', ')})`);
      c.option(
        '--pool <name...>',
        "a tainted worker for each app's node pool not in kind-config.yaml yet, for apps you will onboard (kind cannot add a node later)",
      );
    }
    c.action(async (opts: Opts) => {
      if (opts.until !== undefined && !(UP_PHASES as readonly string[]).includes(opts.until)) {
        throw new UserError(`--until "${opts.until}" is not a phase of cluster up`, `Use one of: ${UP_PHASES.join(', ')}.`);
      }
      const extra = await planExtras(command, opts);
      const o = planOptions(paths.root, Boolean(opts.dryRun), extra);
      const steps = planFor(command, o);
      if (opts.dryRun) {
        printPlan(command, steps, Boolean(opts.json), o);
        return;
      }
      // Where images are built, so are the tools (tools/build.sh in the plan): use those.
      if (o.images === 'build') pinnedToolsFirst(paths.toolsBin);
      // the work folder (kind config, packaged charts) serves this run only, interrupted or not
      const removeWorkDir = () => rmSync(o.workDir, { recursive: true, force: true });
      const onSignal = (signal: NodeJS.Signals) => {
        removeWorkDir();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        await runPlan(steps, async () => {
          await status(false, o.platform);
        });
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        removeWorkDir();
      }
      if (opts.json) printJson({ ok: true, command, steps: steps.length }, { compact: true });
      else if (opts.until) process.stdout.write(`${pc.green('✔')} cluster ${command} done up to the "${opts.until}" phase (--until).\n`);
      else process.stdout.write(`${pc.green('✔')} cluster ${command} done.${command === 'up' ? ' Next: npx paddock cluster test' : ''}\n`);
    });
  }
  cluster
    .command('status')
    .description('One table: Flux Kustomizations, the platform releases (Dapr, ESO, …) and the apps')
    .option('--json', 'print the rows as JSON')
    .action(async (opts: Opts) => {
      needTools(['kubectl']);
      process.exitCode = await status(Boolean(opts.json));
    });
  cluster
    .command('test')
    .description(
      "The platform's promises on the running cluster, with real traffic: every app's pod, isolation (Cilium, Dapr, Redis, Vault), admission, drift, secrets, metrics",
    )
    .option('--dry-run', 'list the promises checked, run nothing')
    .option('--json', 'print the results as JSON')
    .action(async (opts: Opts) => {
      if (opts.dryRun) {
        process.stdout.write(`paddock cluster test checks, for every app the cluster runs:\n${PROMISES.map((p) => `  - ${p}`).join('\n')}\n`);
        return;
      }
      needTools(['kubectl']);
      const mark = (r: CheckResult) => (r.skipped ? pc.yellow('○') : r.ok ? pc.green('✔') : pc.red('✘'));
      const results = await smokeTests(opts.json ? undefined : (r) => process.stderr.write(`${mark(r)} ${r.name}: ${r.detail}\n`));
      const findings: Finding[] = results.filter((r) => !r.ok).map((r) => ({ rule: 'cluster-test', severity: 'error', path: r.name, message: r.detail }));
      const skipped = results.filter((r) => r.skipped).length;
      if (opts.json) {
        printJson({ ...makeReport(findings), checks: results });
        process.exitCode = findings.length ? EXIT.findings : EXIT.ok;
        return;
      }
      const passed = results.filter((r) => r.ok && !r.skipped).length;
      process.exitCode = emitReport(makeReport(findings), {}, `${passed} promises kept${skipped ? `, ${skipped} could not be checked here (○ above)` : ''}`);
    });
}
