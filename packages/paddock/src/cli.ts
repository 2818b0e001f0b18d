import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { EXIT } from './report/finding.js';
import { UserError } from './report/errors.js';
import { commands } from './commands/index.js';

// `paddock … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const program = new Command('paddock')
  .description('paddock: run apps built with LLMs on Kubernetes, safely.\nThe app author brings an image and a values file; the platform does the rest.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

// Load only the command being run; without one (or an unknown one), load all so help lists them.
const asked = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = asked && asked in commands ? [asked] : Object.keys(commands);
for (const name of wanted) (await (commands[name] as () => Promise<{ register: (p: Command) => void }>)()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; every other parse problem is a usage error.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UserError) {
    process.stderr.write(`${pc.red('error:')} ${err.message}\n${err.hint ? `${err.hint}\n` : ''}`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${pc.red('error:')} ${message}\n`);
  if (process.env.PADDOCK_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT.usage;
}
