import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { checkValuesFile } from '../contract/validate.js';
import { applyChanges, chartVersion, planOnboard, sourceOf } from '../gitops/index.js';
import { onboardNameProblem } from '../gitops/names.js';
import { printPlan } from '../gitops/print.js';
import { EXIT, makeReport, type Finding } from '../report/finding.js';
import { emitReport } from '../report/print.js';
import { UserError } from '../report/errors.js';
import { gitopsDefault } from '../paths.js';

export function register(program: Command): void {
  program
    .command('onboard')
    .description(
      "Add or update an app in the GitOps tree (platform/apps/<name>/), after checking its values file. Writes only this app's entry: another app's side of a call or a topic is proposed, never written.",
    )
    .argument('<values-file>', "the app's values file, for example apps/app1/values.yaml")
    .option('--name <name>', 'the app name (default: the folder of values.yaml, else the file name)')
    .option('--platform <dir>', 'the GitOps tree to change', gitopsDefault())
    .option('--replace', 'take over an app name whose entry records another values file or owner (its image, secrets and data go to this file)')
    .option('--dry-run', 'print the changes as a diff, write nothing')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { name?: string; platform: string; replace?: boolean; dryRun?: boolean; json?: boolean }) => {
      const root = resolve(opts.platform);
      if (!existsSync(resolve(root, 'apps'))) throw new UserError(`${opts.platform} has no apps/ folder`, 'Point --platform at the GitOps tree (platform/).');
      const { app, findings } = await checkValuesFile(file, { name: opts.name });
      if (!app) {
        process.exitCode = emitReport(makeReport(findings), opts, '');
        return;
      }
      const refuse = (refused: Finding[]): void => {
        process.exitCode = emitReport(makeReport([...findings, ...refused]), opts, '');
        if (!opts.json) process.stdout.write('Nothing was written.\n');
      };
      const nameProblem = onboardNameProblem(app.name);
      if (nameProblem) {
        refuse([
          {
            rule: 'onboard',
            severity: 'error',
            file,
            message: `${nameProblem}, so it cannot be onboarded.`,
            fix: 'Rename the app folder, or pass --name with another name.',
          },
        ]);
        return;
      }
      const values = { ...app.values };
      const notes: Finding[] = [...findings];
      if ('platform' in values) {
        delete values.platform;
        notes.push({
          rule: 'onboard',
          severity: 'warning',
          file,
          path: 'platform',
          message: 'platform settings belong to the platform team and were left out of the release.',
          fix: 'Remove the platform: section from the values file.',
        });
      }
      const result = planOnboard(root, { name: app.name, values, source: sourceOf(resolve(file), values) }, chartVersion(), { replace: opts.replace });
      if (result.refused) {
        refuse(result.refused);
        return;
      }
      const { plan } = result;
      if (!opts.dryRun) applyChanges(plan.changes);
      if (!opts.json) for (const f of notes) process.stdout.write(`! ${f.path}: ${f.message} ${f.fix ?? ''}\n`);
      printPlan(plan, { base: dirname(root), dryRun: Boolean(opts.dryRun), json: Boolean(opts.json), findings: notes });
      process.exitCode = EXIT.ok;
    });
}
