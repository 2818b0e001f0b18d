import type { Command } from 'commander';
import { runDoctor } from '../doctor/index.js';
import { makeReport } from '../report/finding.js';
import { emitReport } from '../report/print.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description("Read an app's source and say what will break or leak on the platform, with the fix for each.")
    .argument('<dir>', "the app's folder")
    .option('--values <file>', 'the values file to compare with (default: DIR/values.yaml)')
    .option('--name <name>', "the app's name (default: the values file's folder)")
    .option('--json', 'print the findings as JSON')
    .addHelpText(
      'after',
      "\nReads Python and JavaScript/TypeScript code, the Dockerfile (and the start command it really runs), requirements.txt/pyproject.toml,\npackage.json and .env files, and compares the code with the app's values file: the port,\nthe health path, the Dapr components it calls and the apps it invokes.\nRules and what each catches: docs/doctor.md.\n" +
        '\nExit status: 0 no errors (warnings allowed), 1 errors found, 2 bad arguments or unreadable files.\nExample: npx paddock doctor apps/app1',
    )
    .action(async (dir: string, opts: { values?: string; name?: string; json?: boolean }) => {
      const result = await runDoctor(dir, { values: opts.values, name: opts.name });
      process.exitCode = emitReport(makeReport(result.findings), { json: opts.json }, `${dir}: no problems that would break or leak on the platform`);
    });
}
