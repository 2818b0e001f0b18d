/**
 * The image's real start command, read as facts: which server it starts (and
 * where that listens, from its flags and the environment the image gives it),
 * or which of the app's own files it runs; through `npm start` and friends
 * into package.json's scripts. Judged by rules.ts.
 */
import { str, type Debug, type Listen, type Loc, type SourceLang, type Val } from './facts.js';
import { CLI, RUNTIMES, SCRIPT_RUNNERS, WATCHERS, server, type CliSpec } from './frameworks.js';

export interface StartCommand {
  loc: Loc;
  argv: string[];
  /** The server the command itself starts (gunicorn, uvicorn, flask run, next start…). */
  listen?: Listen;
  /** The app's own code the command runs: a file (as written, relative to the image's workdir) or a module. */
  runs?: { lang: SourceLang; file?: string; module?: string };
  debugs: Debug[];
  /** The package.json script the command went through (`npm start` → scripts.start). */
  script?: { name: string; file: string; line: number; text: string };
}

/** The image's environment: name → value (ENV, and ARG defaults where ENV uses them). */
export type ImageEnv = Map<string, string>;

export interface PackageScripts {
  file: string;
  scripts: Record<string, string>;
  lineOf: (name: string) => number;
}

/** Split a shell command line: quotes kept together, `VAR=x cmd` prefixes moved to env, the last of `a && b` kept. */
export function shellSplit(s: string): { argv: string[]; env: Map<string, string> } {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) words.push(m[1] ?? m[2] ?? m[3]!);
  const idx = Math.max(words.lastIndexOf('&&'), words.lastIndexOf(';'), words.lastIndexOf('||'));
  let cmd = idx >= 0 ? words.slice(idx + 1) : words;
  const env = new Map<string, string>();
  for (;;) {
    const head = cmd[0] ?? '';
    const kv = /^([A-Za-z_]\w*)=(.*)$/.exec(head);
    if (kv) {
      env.set(kv[1]!, kv[2]!);
      cmd = cmd.slice(1);
      continue;
    }
    if (head === 'exec' || head === 'env' || head === 'cross-env' || head === 'dumb-init' || head === 'tini' || head === '--') {
      cmd = cmd.slice(1);
      continue;
    }
    break;
  }
  return { argv: cmd, env };
}

/** CMD ["a","b"] or CMD a b → argv (`sh -c "…"` unwrapped). */
export function commandArgv(args: string): { argv: string[]; env: Map<string, string> } {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const arr = JSON.parse(t) as unknown;
      if (Array.isArray(arr)) {
        const argv = arr.map(String);
        if (/^(\/bin\/)?(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c' && argv[2]) return shellSplit(argv[2]);
        return { argv, env: new Map() };
      }
    } catch {
      /* not JSON: the shell form */
    }
  }
  return shellSplit(t);
}

function flag(argv: string[], names: string[] | undefined): string | undefined {
  if (!names) return undefined;
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n) found = argv[i + 1];
      else if (n.startsWith('--') && a.startsWith(`${n}=`)) found = a.slice(n.length + 1);
    }
  }
  return found;
}

/** `$PORT`, `${PORT:-8080}`, `8080`, `0.0.0.0`: a value as the image gives it. */
function envValue(raw: string | undefined, env: ImageEnv): Val | undefined {
  if (raw === undefined) return undefined;
  const m = /^\$\{?(\w+)(?::?-([^}]*))?\}?$/.exec(raw);
  if (m) {
    // The chart sets PORT, whatever the image says.
    const known = m[1] === 'PORT' ? undefined : env.get(m[1]!);
    if (known !== undefined) return envValue(known, new Map());
    return { kind: 'env', name: m[1]!, fallback: m[2] !== undefined ? envValue(m[2], env) : undefined };
  }
  return /^\d+$/.test(raw) ? { kind: 'num', n: Number(raw) } : str(raw);
}

function hostPort(bind: string, env: ImageEnv): { host?: Val; port?: Val } {
  if (bind.startsWith('unix:') || bind.startsWith('fd://')) return { host: { kind: 'unknown' }, port: { kind: 'unknown' } };
  const b = bind.replace(/^\*/, '0.0.0.0');
  const m = /^(.*):([^:\]]+)$/.exec(b);
  if (!m) return { host: envValue(b, env) };
  return { host: m[1] ? envValue(m[1].replace(/^\[|\]$/g, ''), env) : str('0.0.0.0'), port: envValue(m[2], env) };
}

function fromEnv(names: readonly string[] | undefined, env: ImageEnv): Val | undefined {
  for (const n of names ?? []) {
    const v = env.get(n);
    if (v !== undefined) return envValue(v, env);
  }
  return undefined;
}

/** A server program's listen address from its flags, then its own environment variables. */
function serverListen(spec: CliSpec, argv: string[], env: ImageEnv, loc: Loc): Listen {
  const s = server(spec.server);
  const extra = spec.argsEnv && env.get(spec.argsEnv) ? shellSplit(env.get(spec.argsEnv)!).argv : [];
  const all = [...extra, ...argv];
  const bound = flag(all, spec.bind);
  let host: Val | undefined;
  let port: Val | undefined;
  if (bound !== undefined) ({ host, port } = hostPort(bound, env));
  host = envValue(flag(all, spec.host), env) ?? host ?? fromEnv(s.hostEnv, env);
  port =
    envValue(flag(all, spec.port), env) ??
    port ??
    fromEnv(
      s.portEnv?.filter((n) => n !== 'PORT'),
      env,
    );
  if (flag(all, spec.config) !== undefined && bound === undefined) {
    // A config file may set the address; doctor does not read it.
    host ??= { kind: 'unknown' };
    port ??= { kind: 'unknown' };
  }
  if (port === undefined && s.portEnv?.includes('PORT'))
    port = { kind: 'env', name: 'PORT', fallback: s.defaultPort !== undefined ? { kind: 'num', n: s.defaultPort } : undefined };
  return { loc, via: s.name, server: spec.server, host, defaultHost: s.defaultHost, port, defaultPort: s.defaultPort };
}

const hasFlag = (argv: string[], names: string[] | undefined): boolean => !!names?.some((n) => argv.includes(n));

/** Peel wrappers: `python -m X` → X, `npx X` → X, `uv run X` → X, `poetry run X` → X. */
function peel(argv: string[]): { argv: string[]; viaModule: boolean } {
  let a = argv;
  let viaModule = false;
  for (let i = 0; i < 4; i++) {
    const prog = base(a[0]);
    if (/^python(\d(\.\d+)?)?$/.test(prog) && a[1] === '-m' && a[2] && CLI[a[2]]) {
      a = a.slice(2);
      viaModule = true;
      continue;
    }
    if (prog === 'npx' || prog === 'pnpx') {
      a = a.slice(1).filter((x, j) => !(j === 0 && x === '--yes'));
      continue;
    }
    if ((prog === 'uv' || prog === 'poetry' || prog === 'pipenv' || prog === 'pdm') && a[1] === 'run') {
      a = a.slice(2).filter((x, j) => !(j === 0 && x === '--'));
      continue;
    }
    break;
  }
  return { argv: a, viaModule };
}

const base = (p: string | undefined): string => (p ?? '').split('/').pop() ?? '';

/** Read a start command (already split) into facts; `scripts` resolves `npm start`/`npm run X`. */
export function readStart(argv0: string[], env0: ImageEnv, loc: Loc, scripts?: PackageScripts, depth = 0): StartCommand {
  const out: StartCommand = { loc, argv: argv0, debugs: [] };
  const { argv } = peel(argv0);
  const prog = base(argv[0]);

  const specs = CLI[prog];
  const spec = specs?.find((s) => !s.sub || argv[1] === s.sub);
  if (spec) {
    out.listen = serverListen(spec, argv, env0, loc);
    if (hasFlag(argv, spec.reload)) out.debugs.push({ loc, via: `${prog} --reload`, kind: 'reload' });
    if (spec.server === 'fastapi dev') out.debugs.push({ loc, via: 'fastapi dev', kind: 'reload' });
    if (spec.server === 'next dev') out.debugs.push({ loc, via: 'next dev', kind: 'dev-server' });
    if (hasFlag(argv, spec.debug)) out.debugs.push({ loc, via: `${prog} run --debug`, kind: 'debugger' });
    return out;
  }
  if (argv.some((x) => /(^|\/)manage\.py$/.test(x)) && argv.includes('runserver')) {
    const addr = argv[argv.indexOf('runserver') + 1];
    const hp =
      addr && !addr.startsWith('-')
        ? addr.includes(':')
          ? hostPort(addr, env0)
          : /^\d+$/.test(addr)
            ? { port: envValue(addr, env0) }
            : { host: envValue(addr, env0) }
        : {};
    const s = server('django');
    out.listen = { loc, via: s.name, server: 'django', host: hp.host, defaultHost: s.defaultHost, port: hp.port, defaultPort: s.defaultPort };
    out.debugs.push({ loc, via: 'manage.py runserver', kind: 'dev-server' });
    return out;
  }
  if (SCRIPT_RUNNERS.has(prog) && scripts && depth < 3) {
    const name =
      argv[1] === 'run' || argv[1] === 'run-script'
        ? argv[2]
        : argv[1] === 'start' || (prog !== 'npm' && argv[1] && !argv[1].startsWith('-'))
          ? argv[1]
          : undefined;
    // npm start with no "start" script runs `node server.js`.
    const text = name ? (scripts.scripts[name] ?? (name === 'start' ? 'node server.js' : undefined)) : undefined;
    if (name && text !== undefined) {
      const line = scripts.scripts[name] !== undefined ? scripts.lineOf(name) : 1;
      const split = shellSplit(text);
      const env = new Map([...env0, ...split.env]);
      const inner = readStart(split.argv, env, { file: scripts.file, line }, scripts, depth + 1);
      return { ...inner, argv: argv0, script: inner.script ?? { name, file: scripts.file, line, text } };
    }
    return out;
  }
  const lang = RUNTIMES[prog];
  if (lang) {
    if (WATCHERS.has(prog)) out.debugs.push({ loc, via: prog, kind: 'reload' });
    const inspect = argv.find((x) => /^--inspect(-brk)?(=|$)/.test(x));
    if (inspect) out.debugs.push({ loc, via: `${prog} ${inspect.split('=')[0]}`, kind: 'inspector' });
    if (env0.get('NODE_OPTIONS')?.includes('--inspect')) out.debugs.push({ loc, via: 'NODE_OPTIONS=--inspect', kind: 'inspector' });
    const rest = argv.slice(1);
    const m = rest.indexOf('-m');
    if (lang === 'python' && m >= 0 && rest[m + 1]) out.runs = { lang, module: rest[m + 1] };
    else {
      const file =
        rest.find((x) => !x.startsWith('-') && /\.(py|[cm]?[jt]sx?)$/.test(x)) ??
        (lang === 'node' && prog !== 'python' ? rest.find((x) => !x.startsWith('-')) : undefined);
      out.runs = { lang, file };
    }
    return out;
  }
  if (WATCHERS.has(prog)) {
    out.debugs.push({ loc, via: prog, kind: 'reload' });
    out.runs = { lang: 'node', file: argv.slice(1).find((x) => !x.startsWith('-')) };
  }
  return out;
}

/** Does a source file (relative to the scanned folder) match the file or module a start command runs? */
export function isEntry(rel: string, runs: StartCommand['runs']): boolean {
  if (!runs) return false;
  const want = runs.module
    ? [`${runs.module.replace(/\./g, '/')}.py`, `${runs.module.replace(/\./g, '/')}/__main__.py`]
    : runs.file
      ? [runs.file.replace(/^\.\//, '').replace(/^\/+/, '')]
      : [];
  if (want.some((w) => rel === w || rel.endsWith(`/${w}`) || w.endsWith(`/${rel}`))) return true;
  // node dist/server.js runs what src/server.ts compiles to.
  const stem = (p: string): string => p.replace(/^(\.\/)?((dist|build|out|lib|src)\/)+/, '').replace(/\.[cm]?[jt]sx?$/, '');
  return runs.lang === 'node' && want.some((w) => stem(w) === stem(rel));
}
