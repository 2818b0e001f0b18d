/**
 * The pinned Go tools a command needs, for an installed paddock: each is
 * reused from PATH when it reports the pinned version, else built from its Go
 * module into the per-user cache (paths.toolsBin), by the same tools/build.sh
 * the checkout uses (carried in the package). Its progress lines go to stderr;
 * a long build says every 20 s that it is still going.
 *
 * In a checkout nothing changes: the tools are in tools/bin (`make setup`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { layout, paths } from '../paths.js';
import { UserError } from '../report/errors.js';
import { readPins } from './pins.js';

type Say = (line: string) => void;

const defaultSay: Say = (line) => process.stderr.write(`[paddock] ${line}\n`);

/** What an installed paddock builds into, for tools/build.sh (empty in a checkout: tools/bin as always). */
function buildEnv(): Record<string, string> {
  return layout === 'installed' ? { PADDOCK_TOOLS_BIN: paths.toolsBin } : {};
}

/** "helm v4.1.4"; sentry follows daprd's pin (as build.sh maps it); paddock-engine is paddock's own program, versioned with it. */
function pinnedName(name: string): string {
  if (name === 'paddock-engine') return name;
  const key = name === 'sentry' ? 'DAPRD' : name.toUpperCase().replace(/-/g, '_');
  const v = readPins(paths.tools)[name === 'kube-apiserver' ? 'KUBERNETES_VERSION' : `${key}_VERSION`];
  return v ? `${name} ${v}` : name;
}

const OWN = 'paddock-engine';

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, program)));
}

/**
 * Make `names` usable as tool(name). A no-op in a checkout; installed, a few
 * milliseconds when the cache is warm.
 */
export async function ensureTools(names: string[], say: Say = defaultSay): Promise<void> {
  if (layout !== 'installed' || names.length === 0) return;
  const script = join(paths.tools, 'build.sh');
  if (!existsSync(script)) throw new UserError(`this paddock package has no tools/build.sh (${script})`, 'Reinstall paddock from its packed tarball.');
  const missing = names.filter((n) => !existsSync(join(paths.toolsBin, n)));
  const fromPath = missing.filter((n) => n !== OWN);
  if (fromPath.length) {
    say(
      `${fromPath.map(pinnedName).join(', ')}: looking on PATH for ${fromPath.length > 1 ? 'these versions' : 'this version'}, else building from the Go module into ${paths.toolsBin} (once; a build takes a few minutes)`,
    );
  }
  if (missing.includes(OWN))
    say(`${OWN} (paddock's own render and admission program): building it from the package's Go source into ${paths.toolsBin} (once; a few minutes)`);
  const lines: string[] = [];
  const child = spawn('bash', [script, ...names], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...buildEnv() } });
  let building: { tool: string; since: number } | undefined;
  createInterface({ input: child.stderr! }).on('line', (raw) => {
    const line = raw.replace(/^\[build\] /, '');
    lines.push(line);
    const b = /^building (\S+) /.exec(line);
    building = b ? { tool: b[1]!, since: Date.now() } : undefined;
    if (!line.startsWith('error: ')) say(line);
  });
  const ticker = setInterval(() => {
    if (building) say(`still building ${building.tool} (${Math.round((Date.now() - building.since) / 1000)} s so far)…`);
  }, 20_000);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', resolve);
  }).finally(() => clearInterval(ticker));
  if (code === 0 && names.every((n) => existsSync(join(paths.toolsBin, n)))) return;

  // What is still missing; when build.sh failed on a stale binary (an older pin), every tool asked for.
  const missingNow = names.filter((n) => !existsSync(join(paths.toolsBin, n)));
  const still = missingNow.length ? missingNow : names;
  const what = still.map(pinnedName).join(', ');
  if (!onPath('go')) {
    const them = still.length > 1 ? 'them' : 'it';
    const elsewhere = still.filter((n) => n !== OWN);
    const why = [
      elsewhere.length ? `${elsewhere.map(pinnedName).join(' and ')} ${elsewhere.length > 1 ? 'are' : 'is'} not on PATH at the pinned version` : '',
      still.includes(OWN) ? `${OWN} (paddock's own program) is built from the package's Go source` : '',
    ]
      .filter(Boolean)
      .join(', ');
    throw new UserError(
      `${why}, and Go is not installed to build ${them}`,
      `Install Go 1.25.9 or newer (https://go.dev/doc/install), then run the command again: paddock builds ${them} once, into ${paths.toolsBin}.` +
        (elsewhere.length ? ` Or put ${elsewhere.map(pinnedName).join(' and ')} on PATH.` : ''),
    );
  }
  const error = lines.find((l) => l.startsWith('error: '))?.slice('error: '.length);
  throw new UserError(
    `getting ${what} failed${error ? `: ${error}` : ` (tools/build.sh exited with ${code})`}`,
    'See the lines above; fix what they say, then run the command again.',
  );
}
