import type { Command } from 'commander';
import { collectInputs } from '../check/inputs.js';
import { startRendering } from '../check/render-all.js';
import { emitReport } from '../report/print.js';

export function register(program: Command): void {
  program
    .command('check')
    .description('Validate, render and judge apps (and any Kubernetes YAML) against the platform\'s guardrails:\nthe contract, strict schemas, the admission policies (sidecar included) and who-can-reach-whom')
    .argument('<path...>', 'values files, Kubernetes YAML files, or folders holding them')
    .option('--name <name>', 'the app name, when checking one values file')
    .option('--verbose', 'also print the connectivity matrix, and the folder entries skipped because they are not regular files')
    .option('--json', 'print the findings as JSON')
    .action(async (args: string[], opts: { name?: string; json?: boolean; verbose?: boolean }) => {
      const inputs = await collectInputs(args);
      if (opts.verbose) for (const s of inputs.skipped ?? []) process.stderr.write(`skipped ${s.path}: ${s.kind}, not a regular file\n`);
      // The render engine starts first and works while the policies and the contract load.
      const rendering = startRendering(inputs, opts.name);
      const { runCheck } = await import('../check/pipeline.js');
      const result = await runCheck(inputs, { name: opts.name, rendering });
      if (opts.verbose && !opts.json && result.connectivity) {
        const { formatMatrix } = await import('../connectivity/index.js');
        process.stdout.write(`${formatMatrix(result.connectivity.matrix)}\n\n`);
      }
      const what = [
        inputs.valuesFiles.length ? `${inputs.valuesFiles.length} app${inputs.valuesFiles.length > 1 ? 's' : ''}` : '',
        inputs.manifestFiles.length ? `${inputs.manifestFiles.length} manifest file${inputs.manifestFiles.length > 1 ? 's' : ''}` : '',
      ].filter(Boolean).join(' and ');
      process.exitCode = emitReport({ ok: result.ok, findings: result.findings }, opts, `${what}: contract, schemas, admission policies and connectivity all pass`);
    });
}
