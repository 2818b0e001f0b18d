import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { runCheck } from '../check/pipeline.js';
import { kubeMinorVersion } from '../contract/platform-settings.js';
import { formatMatrix } from '../connectivity/index.js';
import { explain } from '../explain/explain.js';
import { paths, requireCheckout } from '../paths.js';
import { EXIT } from '../report/finding.js';
import { formatReport } from '../report/print.js';
import { loadPolicies } from '../policies/load.js';

const EXAMPLES = ['app1', 'app2'];

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      "The main job on one machine: check the example apps against every guardrail, then run them\nwith real Dapr sidecars (app2's dashboard calls app1's classifier through Dapr) until Ctrl-C",
    )
    .option('--check-only', 'print the summary and stop, without running the apps')
    .option('--seconds <n>', 'stop the running apps after n seconds (for scripts)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { checkOnly?: boolean; seconds?: number }) => {
      requireCheckout('paddock demo');
      const files = EXAMPLES.map((a) => join(paths.root, 'apps', a, 'values.yaml'));
      const say = (s = ''): void => {
        process.stdout.write(`${s}\n`);
      };
      say(pc.bold('1. Validate, render and check the example apps'));
      const started = Date.now();
      const result = await runCheck({ valuesFiles: files, manifestFiles: [] });
      const policies = loadPolicies();
      for (const app of result.apps) {
        const e = explain(app);
        const on =
          e.buildingBlocks
            .filter((b) => b.enabled)
            .map((b) => b.component)
            .join(', ') || 'no building blocks';
        say(`   ${pc.green('✔')} ${pc.bold(app.name)}  ${e.image}  port ${e.port ?? 'none'}  pool ${e.nodePool}  · ${on}`);
        say(
          `      called by: ${e.calledBy.join(', ') || 'nobody'}   calls: ${e.calls.join(', ') || 'nobody'}   limits: ${e.limits.cpu} CPU, ${e.limits.memory}`,
        );
      }
      say(
        `   ${policies.policies.length} admission policies, strict Kubernetes ${kubeMinorVersion()} schemas, Pod Security "restricted" (sidecar included) — ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      if (result.connectivity) {
        // The app-to-app section; `paddock check --verbose` prints the whole matrix.
        const calls = formatMatrix(result.connectivity.matrix).split('\n\n')[0] ?? '';
        say(
          `\n${calls
            .split('\n')
            .map((l) => `   ${l}`)
            .join('\n')}`,
        );
        say('   Redis: only apps with a state store or pub/sub; Vault: no app (External Secrets Operator reads it).');
      }
      say(`\n${formatReport(result, 'all guardrails pass')}`);
      if (!result.ok) {
        process.exitCode = EXIT.findings;
        return;
      }
      if (opts.checkOnly) return;

      say(`\n${pc.bold('2. Run them here, each next to a real Dapr sidecar')}  ${pc.dim('(then open app2, the dashboard, in a browser)')}`);
      if (opts.seconds) setTimeout(() => process.kill(process.pid, 'SIGINT'), opts.seconds * 1000).unref();
      const { runDev } = await import('./dev.js');
      process.exitCode = await runDev(
        EXAMPLES.map((a) => join(paths.root, 'apps', a)),
        { backend: 'embedded', daprLogLevel: 'warn' },
      );
    });
}
