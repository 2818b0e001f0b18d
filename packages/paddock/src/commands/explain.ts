import type { Command } from 'commander';
import { checkValuesFile } from '../contract/validate.js';
import { explain, explainText } from '../explain/explain.js';
import { EXIT, makeReport } from '../report/finding.js';
import { emitReport } from '../report/print.js';
import { printJson } from '../report/json.js';

export function register(program: Command): void {
  program
    .command('explain')
    .description('Say in plain English what an app gets: what runs, what it may talk to, its limits')
    .argument('<file>', "the app's values file")
    .option('--name <name>', 'the app name (default: the folder of values.yaml, else the file name)')
    .option('--json', 'print the explanation as JSON')
    .action(async (file: string, opts: { name?: string; json?: boolean }) => {
      const checked = await checkValuesFile(file, { name: opts.name });
      if (!checked.app) {
        process.exitCode = emitReport(makeReport(checked.findings), opts, '');
        return;
      }
      const e = explain(checked.app);
      if (opts.json) printJson(e);
      else process.stdout.write(`${explainText(e, file)}\n`);
      process.exitCode = EXIT.ok;
    });
}
