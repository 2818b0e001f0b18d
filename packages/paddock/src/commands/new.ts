import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { runNew, type NewOptions } from '../new/index.js';
import { printJson } from '../report/json.js';

export function register(program: Command): void {
  program
    .command('new')
    .description("Write your app's values.yaml by answering a few plain questions.")
    .argument('[dir]', "the app's folder", '.')
    .option('--name <name>', "the app's name (default: the folder's name)")
    .option('--port <port>', 'the port the app listens on, or none for an app that answers no web requests (default: from the code, else 8080)')
    .option(
      '--health-path <path>',
      'the path that answers 200 once the app can serve (default: the health route the code serves, else none: the platform checks the port)',
    )
    .option('--state', 'the app needs to remember things between restarts (a state store)')
    .option('--no-state', 'the app needs no state store')
    .option('--secrets', 'the app uses API keys or passwords (a secret store)')
    .option('--no-secrets', 'the app uses no secrets')
    .option('--secret-keys <a,b>', 'names of the secrets the app reads')
    .option('--pubsub', 'the app sends or receives events')
    .option('--no-pubsub', 'the app sends no events')
    .option('--callers <app2,…>', 'apps that may call this one')
    .option('--calls <app1,…>', 'apps this one calls')
    .option('--image <repository>', 'image repository (default: localhost:30000/platform/<name>)')
    .option('--tag <version>', 'image version (default: 1.0.0)')
    .option('--owner <team>', 'the team or e-mail address that owns the app')
    .addOption(new Option('--size <size>', 'small, medium or large (default: small)').choices(['small', 'medium', 'large']))
    .option('-y, --yes', 'ask nothing: use flags, then what the code shows, then defaults')
    .option('--force', 'replace an existing values.yaml without asking')
    .option('--json', 'print the result as JSON (asks nothing)')
    .addHelpText(
      'after',
      "\nEvery question is also a flag; with --yes or --json, or when not in a terminal, nothing is asked.\nIf DIR holds the app's code, answers are pre-filled from it (port, stores, secrets, apps it calls).\nAn existing values.yaml is replaced only when you say so (or with --force).\n" +
        '\nExit status: 0 written (or kept, when you chose to keep the existing file), 2 bad flags or an existing file without --force, 130 stopped with Ctrl-C (nothing written).\nExample: npx paddock new apps/feedback --yes --state --secret-keys openai-api-key --callers app2',
    )
    .action(async (dir: string, opts: NewOptions) => {
      try {
        const r = await runNew(dir, opts);
        if (opts.json) {
          printJson({
            ok: true,
            written: r.written,
            file: r.file,
            answers: r.answers,
            prefilled: r.suggestions.reasons,
            ...(r.schemaNote ? { schemaNote: r.schemaNote } : {}),
          });
        } else if (!r.written) {
          process.stdout.write(`Kept ${r.file}; nothing was written.\n`);
        } else {
          process.stdout.write(`${pc.green('✔')} Wrote ${r.file}\n  Next: npx paddock validate ${r.file}\n        npx paddock doctor ${dir}\n`);
          if (r.schemaNote) process.stdout.write(`  ${r.schemaNote}\n`);
        }
      } catch (err) {
        if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
          process.stderr.write('\nStopped; nothing was written.\n');
          process.exitCode = 130;
          return;
        }
        throw err;
      }
    });
}
