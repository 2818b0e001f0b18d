import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { EXIT } from './report/finding.js';
import { UserError } from './report/errors.js';
import { VERSION } from './version.js';

/** Every variable paddock reads, as `--help` lists them (a test keeps this list equal to the sources). */
const ENVIRONMENT: [name: string, what: string][] = [
  ['NO_COLOR', 'any value: no colour in the output'],
  ['PADDOCK_DEBUG', '1: on an internal error, print its full detail (stack trace)'],
  ['PADDOCK_HOME', "a checkout of paddock's repository to take the chart, policies and tools from"],
  ['PADDOCK_TOOLS_BIN', 'the folder the pinned tools are built into and found in (default: tools/bin, or the user cache when installed)'],
  ['PADDOCK_TOOLS_OFFLINE', '1: build the pinned tools from source without trying a release download'],
  ['PADDOCK_NO_CACHE', "1: do not use or write the compiled contract's and the policies' caches"],
  ['PADDOCK_DAPRD', 'paddock dev: the daprd binary to run instead of the pinned one'],
  ['PADDOCK_SENTRY', "paddock dev: Dapr's sentry binary to run instead of the pinned one"],
  ['PADDOCK_STATE_DIR', 'paddock dev: the default of --state-dir'],
  ['PADDOCK_IMAGE_SOURCE', 'paddock cluster up: pull, build or auto, the default of --images (auto builds where no registry answers)'],
  ['PADDOCK_HARBOR_API', "paddock cluster: Harbor's API as this machine reaches it (default http://localhost:30000)"],
  ['PADDOCK_DEV_STATE', 'set by paddock dev on the processes it starts, to find them after a crash (do not set it)'],
];

// `paddock … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
// A bug thrown outside the command's own promise (a timer, an event handler) gets the same one line.
process.on('uncaughtException', (err) => process.exit(exitCodeFor(err)));
process.on('unhandledRejection', (err) => process.exit(exitCodeFor(err)));

try {
  const program = new Command('paddock')
    .description('paddock: run apps built with LLMs on Kubernetes, safely.\nThe app author brings an image and a values file; the platform does the rest.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', helpFooter());
  // Loading a command finds paddock's files too (paths.ts), so both happen here, inside the same handling.
  const { commands } = await import('./commands/index.js');
  // Load only the command being run; without one (or an unknown one), load all so help lists them.
  const asked = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = asked && asked in commands ? [asked] : Object.keys(commands);
  for (const name of wanted) (await (commands[name] as () => Promise<{ register: (p: Command) => void }>)()).register(program);
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

function helpFooter(): string {
  const width = Math.max(...ENVIRONMENT.map(([n]) => n.length));
  return [
    '',
    'Exit codes: 0 ok, 1 findings to fix, 2 usage or file error, 70 a bug in paddock.',
    '',
    'Environment:',
    ...ENVIRONMENT.map(([n, what]) => `  ${n.padEnd(width)}  ${what}`),
  ].join('\n');
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
  // Anything else is paddock's fault, not the user's: say so in one line, the detail only on request.
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  process.stderr.write(`${pc.red('internal error:')} ${message}\n`);
  if (process.env.PADDOCK_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  else
    process.stderr.write(
      `This is a bug in paddock, not something you did. Run again with PADDOCK_DEBUG=1 for the detail, and send that to your platform team.\n`,
    );
  return EXIT.bug;
}
