import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { applyChanges, planOffboard } from '../gitops/index.js';
import { printPlan } from '../gitops/print.js';
import { EXIT } from '../report/finding.js';
import { UserError } from '../report/errors.js';
import { appNameProblem } from '../contract/app-name.js';
import { gitopsDefault } from '../paths.js';

export function register(program: Command): void {
  program
    .command('offboard')
    .description("Remove an app from the GitOps tree, and from other apps' allow lists")
    .argument('<name>', 'the app name, for example app2')
    .option('--platform <dir>', 'the GitOps tree to change', gitopsDefault())
    .option('--dry-run', 'print the changes as a diff, write nothing')
    .option('--json', 'print the result as JSON')
    .action((name: string, opts: { platform: string; dryRun?: boolean; json?: boolean }) => {
      const problem = appNameProblem(name);
      if (problem) throw new UserError(problem);
      const root = resolve(opts.platform);
      const plan = planOffboard(root, name);
      if (!plan) throw new UserError(`${name} is not onboarded in ${opts.platform}`, 'See the folders under platform/apps/ for the onboarded apps.');
      if (!opts.dryRun) applyChanges(plan.changes);
      printPlan(plan, { base: dirname(root), dryRun: Boolean(opts.dryRun), json: Boolean(opts.json) });
      process.exitCode = EXIT.ok;
    });
}
