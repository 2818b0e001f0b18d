import type { Command } from 'commander';
import { collectInputs } from '../check/inputs.js';
import { startRendering } from '../check/render-all.js';
import { paths } from '../paths.js';
import { loadPolicyFolders } from '../policies/load.js';
import { emitReport } from '../report/print.js';

export function register(program: Command): void {
  program
    .command('check')
    .description('Validate, render and judge apps (and any Kubernetes YAML) against the platform\'s guardrails:\nthe contract, strict schemas, the admission policies (sidecar included) and who-can-reach-whom')
    .argument('<path...>', 'values files, Kubernetes YAML files, or folders holding them')
    .option('--name <name>', 'the app name, when checking one values file')
    .option('--policies <dir>', 'also judge by your own ValidatingAdmissionPolicies and bindings in this folder (with the params they name); repeatable', (v: string, all: string[] = []) => [...all, v])
    .option('--verbose', 'also print the connectivity matrix')
    .option('--json', 'print the findings as JSON')
    .action(async (args: string[], opts: { name?: string; json?: boolean; verbose?: boolean; policies?: string[] }) => {
      const inputs = await collectInputs(args);
      // Read the policy folders before anything runs: a bad folder is a usage error (exit 2) that changes nothing.
      const policies = opts.policies?.length ? loadPolicyFolders([paths.policies, ...opts.policies]) : undefined;
      // The render engine starts first and works while the policies and the contract load.
      const rendering = startRendering(inputs, opts.name);
      const { runCheck } = await import('../check/pipeline.js');
      const result = await runCheck(inputs, { name: opts.name, rendering, policies });
      if (opts.verbose && !opts.json && result.connectivity) {
        const { formatMatrix } = await import('../connectivity/index.js');
        process.stdout.write(`${formatMatrix(result.connectivity.matrix)}\n\n`);
      }
      const what = [
        inputs.valuesFiles.length ? `${inputs.valuesFiles.length} app${inputs.valuesFiles.length > 1 ? 's' : ''}` : '',
        inputs.manifestFiles.length ? `${inputs.manifestFiles.length} manifest file${inputs.manifestFiles.length > 1 ? 's' : ''}` : '',
      ].filter(Boolean).join(' and ');
      process.exitCode = emitReport({ ok: result.ok, findings: result.findings }, opts, `${what}: contract, schemas, admission policies${policies ? ` (the platform's and ${opts.policies!.join(', ')})` : ''} and connectivity all pass`);
    });
}
