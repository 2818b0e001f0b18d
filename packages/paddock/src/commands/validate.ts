import type { Command } from 'commander';
import { checkValuesFile } from '../contract/validate.js';
import { makeReport, type Finding } from '../report/finding.js';
import { emitReport } from '../report/print.js';
import { UserError } from '../report/errors.js';

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check app values files against the contract (charts/app/values.schema.json), with hints')
    .argument('<file...>', 'values files, for example apps/app1/values.yaml')
    .option('--name <name>', 'the app name (default: the folder of values.yaml, else the file name)')
    .option('--json', 'print the findings as JSON')
    .action(async (files: string[], opts: { name?: string; json?: boolean }) => {
      if (opts.name && files.length > 1) throw new UserError('--name can only be used with one file');
      const findings: Finding[] = [];
      for (const file of files) findings.push(...(await checkValuesFile(file, { name: opts.name })).findings);
      process.exitCode = emitReport(
        makeReport(findings),
        opts,
        `${files.length === 1 ? files[0] : `${files.length} values files`} meet${files.length === 1 ? 's' : ''} the contract`,
      );
    });
}
