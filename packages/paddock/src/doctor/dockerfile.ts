/** Reads a Dockerfile: its stages, final user, base images, and the command that starts the app. */
import type { Finding } from '../report/finding.js';
import { str, type Debug, type Listen, type Val } from './facts.js';
import { isSecretName } from './names.js';
import { findToken, isPlaceholder, looksLikeSecretValue, redact } from './secrets.js';

export interface Instruction { op: string; args: string; line: number }

export interface DockerfileFacts {
  file: string;
  instructions: Instruction[];
  /** The server the image starts, when CMD/ENTRYPOINT runs one directly (gunicorn, uvicorn, flask run…). */
  server?: Listen;
  /** The CMD/ENTRYPOINT runs the app's own code (`python app.py`, `node server.js`, `npm start`). */
  runsOwnCode: boolean;
  debugs: Debug[];
  expose: { port: number; line: number }[];
  env: Map<string, string>;
  /** Routes the server itself answers (Streamlit's health check). */
  routes: string[];
}

/** Split into instructions, joining `\` continuations and dropping comments. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (!buf && /^\s*(#|$)/.test(raw)) continue;
    if (buf && /^\s*#/.test(raw)) continue;
    if (!buf) start = i + 1;
    const cont = /\\\s*$/.test(raw);
    buf += (buf ? ' ' : '') + raw.replace(/\\\s*$/, '').trim();
    if (cont) continue;
    const m = /^(\w+)\s*(.*)$/.exec(buf);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
    buf = '';
  }
  return out;
}

/** CMD ["a","b"] or CMD a b → argv (shell form split naively; `sh -c "…"` unwrapped). */
export function commandArgv(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const arr = JSON.parse(t) as unknown;
      if (Array.isArray(arr)) {
        const argv = arr.map(String);
        if (/^(\/bin\/)?(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c' && argv[2]) return shellSplit(argv[2]);
        return argv;
      }
    } catch { /* fall through to shell form */ }
  }
  return shellSplit(t);
}

function shellSplit(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2] ?? m[3]!);
  // `exec gunicorn …`, `cd x && gunicorn …`: keep the last command.
  const idx = Math.max(out.lastIndexOf('&&'), out.lastIndexOf(';'));
  const cmd = idx >= 0 ? out.slice(idx + 1) : out;
  return cmd[0] === 'exec' ? cmd.slice(1) : cmd;
}

function flag(argv: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n) return argv[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

function envVal(raw: string | undefined, env: Map<string, string>): Val | undefined {
  if (raw === undefined) return undefined;
  const m = /^\$\{?(\w+)(?::?-([^}]*))?\}?$/.exec(raw);
  if (m) {
    const known = env.get(m[1]!);
    if (known !== undefined) return str(known);
    return { kind: 'env', name: m[1]!, fallback: m[2] !== undefined ? str(m[2]) : undefined };
  }
  return /^\d+$/.test(raw) ? { kind: 'num', n: Number(raw) } : str(raw);
}

function hostPort(bind: string | undefined, env: Map<string, string>): { host?: Val; port?: Val } {
  if (!bind) return {};
  if (bind.startsWith('unix:')) return {};
  const m = /^(.*):([^:]+)$/.exec(bind);
  if (!m) return { host: envVal(bind, env) };
  return { host: m[1] ? envVal(m[1], env) : str('0.0.0.0'), port: envVal(m[2], env) };
}

/** What the image's start command tells about the server it runs. */
function readCommand(argv: string[], line: number, file: string, env: Map<string, string>, f: DockerfileFacts): void {
  const loc = { file, line };
  let a = argv;
  if (/(^|\/)python3?(\.\d+)?$/.test(a[0] ?? '') && a[1] === '-m') a = a.slice(2);
  const prog = (a[0] ?? '').split('/').pop() ?? '';
  if (prog === 'gunicorn') {
    // gunicorn binds 0.0.0.0:$PORT when PORT is set (the chart sets it), else 127.0.0.1:8000.
    const hp = hostPort(flag(a, '-b', '--bind'), env);
    f.server = { loc, via: 'gunicorn', host: hp.host, defaultHost: '0.0.0.0', port: hp.port ?? { kind: 'env', name: 'PORT', fallback: str('8000') } };
    if (a.includes('--reload')) f.debugs.push({ loc, what: 'gunicorn --reload watches the source and restarts workers', severity: 'warning', fix: 'Remove --reload from the start command.' });
  } else if (prog === 'uvicorn' || prog === 'hypercorn' || prog === 'daphne') {
    if (prog === 'hypercorn') {
      const hp = hostPort(flag(a, '-b', '--bind'), env);
      f.server = { loc, via: prog, host: hp.host, defaultHost: '127.0.0.1', port: hp.port, defaultPort: 8000 };
    } else {
      f.server = { loc, via: prog, host: envVal(flag(a, '--host', '-b', '--bind') ?? env.get('UVICORN_HOST'), env), defaultHost: '127.0.0.1', port: envVal(flag(a, '--port', '-p') ?? env.get('UVICORN_PORT'), env), defaultPort: 8000 };
    }
    if (a.includes('--reload')) f.debugs.push({ loc, what: `${prog} --reload watches the source and restarts the server`, severity: 'warning', fix: 'Remove --reload from the start command.' });
  } else if (prog === 'flask' && a.includes('run')) {
    f.server = { loc, via: 'flask run', host: envVal(flag(a, '--host', '-h') ?? env.get('FLASK_RUN_HOST'), env), defaultHost: '127.0.0.1', port: envVal(flag(a, '--port', '-p') ?? env.get('FLASK_RUN_PORT'), env), defaultPort: 5000 };
    if (a.includes('--debug') || a.includes('--reload')) f.debugs.push({ loc, what: 'flask run --debug starts the interactive debugger: anyone who can reach the app can run code in it', severity: 'error', fix: 'Remove --debug; better, start the app with gunicorn: CMD ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"].' });
  } else if (prog === 'waitress-serve') {
    const listen = flag(a, '--listen');
    const hp = listen ? hostPort(listen.replace(/^\*/, '0.0.0.0'), env) : { host: envVal(flag(a, '--host'), env), port: envVal(flag(a, '--port'), env) };
    f.server = { loc, via: 'waitress-serve', host: hp.host, defaultHost: '0.0.0.0', port: hp.port, defaultPort: 8080 };
  } else if (prog === 'streamlit' && a[1] === 'run') {
    // Streamlit listens on all interfaces, port 8501, and answers /_stcore/health.
    f.server = { loc, via: 'streamlit run', host: envVal(flag(a, '--server.address'), env), defaultHost: '0.0.0.0', port: envVal(flag(a, '--server.port') ?? env.get('STREAMLIT_SERVER_PORT'), env), defaultPort: 8501 };
    f.routes.push('/_stcore/health', '/healthz');
  } else if (a.some((x) => /(^|\/)manage\.py$/.test(x)) && a.includes('runserver')) {
    const addr = a[a.indexOf('runserver') + 1];
    const hp = addr && !addr.startsWith('-') ? (addr.includes(':') ? hostPort(addr, env) : /^\d+$/.test(addr) ? { port: envVal(addr, env) } : { host: envVal(addr, env) }) : {};
    f.server = { loc, via: 'manage.py runserver', host: hp.host, defaultHost: '127.0.0.1', port: hp.port, defaultPort: 8000 };
    f.debugs.push({ loc, what: "manage.py runserver is Django's development server, not meant for production (and shows debug pages when DEBUG is on)", severity: 'warning', fix: 'Start the app with gunicorn: CMD ["gunicorn", "--bind", "0.0.0.0:8080", "mysite.wsgi"].' });
  } else if (prog !== '') {
    f.runsOwnCode = true;
  }
  if (/^(node|nodemon|ts-node|tsx|bun|deno)$/.test(prog) && a.some((x) => /^--inspect(-brk)?(=|$)/.test(x))) {
    f.debugs.push({ loc, what: `${prog} --inspect opens the Node.js debugger: whoever reaches it can run code in the app`, severity: 'error', fix: 'Remove --inspect from the start command.' });
  }
  if (prog === 'nodemon') {
    f.debugs.push({ loc, what: 'nodemon watches the source and restarts the app: a development tool', severity: 'warning', fix: 'Start the app with node directly: CMD ["node", "server.js"].' });
  }
}

export function readDockerfile(text: string, file: string): { facts: DockerfileFacts; findings: Finding[] } {
  const instructions = parseDockerfile(text);
  const facts: DockerfileFacts = { file, instructions, runsOwnCode: false, debugs: [], expose: [], env: new Map(), routes: [] };
  const findings: Finding[] = [];
  const args = new Map<string, string>();
  const stages: { name?: string; from: string; user?: { value: string; line: number }; line: number }[] = [];
  let cmd: Instruction | undefined;
  let entrypoint: Instruction | undefined;

  for (const ins of instructions) {
    switch (ins.op) {
      case 'ARG': {
        const m = /^(\w+)(?:=(.*))?$/.exec(ins.args.trim());
        if (m) {
          if (m[2] !== undefined) args.set(m[1]!, m[2].replace(/^["']|["']$/g, ''));
          secretInDockerfile(m[1]!, m[2], ins, file, findings);
        }
        break;
      }
      case 'FROM': {
        const parts = ins.args.replace(/--platform=\S+\s*/, '').trim().split(/\s+/);
        const image = (parts[0] ?? '').replace(/\$\{?(\w+)\}?/g, (_, n: string) => args.get(n) ?? `$${n}`);
        const name = parts[1]?.toLowerCase() === 'as' ? parts[2] : undefined;
        const parent = stages.find((s) => s.name && s.name === image);
        stages.push({ name, from: image, user: parent?.user, line: ins.line });
        if (!parent) checkBase(image, ins.line, file, findings);
        cmd = undefined; entrypoint = undefined;
        facts.env = new Map(); facts.expose = [];
        break;
      }
      case 'USER': {
        const st = stages[stages.length - 1];
        if (st) st.user = { value: ins.args.trim(), line: ins.line };
        break;
      }
      case 'ENV': {
        for (const [k, v] of envPairs(ins.args)) {
          facts.env.set(k, v);
          secretInDockerfile(k, v, ins, file, findings);
          if ((k === 'FLASK_DEBUG' && /^(1|true)$/i.test(v)) || (k === 'FLASK_ENV' && v === 'development')) {
            facts.debugs.push({ loc: { file, line: ins.line }, what: `ENV ${k}=${v} turns on Flask's debugger: anyone who can reach the app can run code in it`, severity: 'error', fix: `Remove ENV ${k} from the Dockerfile.` });
          }
          if (k === 'NODE_ENV' && v === 'development') {
            facts.debugs.push({ loc: { file, line: ins.line }, what: 'ENV NODE_ENV=development makes Express show stack traces to visitors', severity: 'warning', fix: 'Use ENV NODE_ENV=production.' });
          }
        }
        break;
      }
      case 'EXPOSE':
        for (const p of ins.args.split(/\s+/)) {
          const n = Number(p.split('/')[0]);
          if (Number.isInteger(n) && n > 0) facts.expose.push({ port: n, line: ins.line });
        }
        break;
      case 'CMD': cmd = ins; break;
      case 'ENTRYPOINT': entrypoint = ins; break;
      default: break;
    }
  }

  const final = stages[stages.length - 1];
  if (final) {
    const u = final.user?.value.split(':')[0];
    if (!u || u === 'root' || u === '0') {
      findings.push({
        rule: 'dockerfile-root-user', severity: 'error', file, line: final.user?.line ?? final.line,
        message: final.user ? `The image runs as root (USER ${final.user.value}). The cluster only runs apps as a non-root user, so anything that needs root (files only root can read, ports below 1024) breaks there.` :
          'The image has no USER line, so it runs as root. The cluster only runs apps as a non-root user (10001), so anything that needs root (files only root can read, ports below 1024) breaks there.',
        fix: 'Add `USER 10001` near the end of the Dockerfile (after installing packages), and make any file the app reads readable by that user.',
      });
    }
  }

  const start = [...(entrypoint ? commandArgv(entrypoint.args) : []), ...(cmd ? commandArgv(cmd.args) : [])];
  if (start.length) readCommand(start, (cmd ?? entrypoint)!.line, file, facts.env, facts);
  return { facts, findings };
}

function envPairs(args: string): [string, string][] {
  const t = args.trim();
  if (!t.includes('=')) {
    const m = /^(\w+)\s+(.*)$/.exec(t);
    return m ? [[m[1]!, m[2]!.replace(/^["']|["']$/g, '')]] : [];
  }
  const out: [string, string][] = [];
  const re = /(\w+)=("([^"]*)"|'([^']*)'|(\S*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) out.push([m[1]!, m[3] ?? m[4] ?? m[5] ?? '']);
  return out;
}

function secretInDockerfile(key: string, value: string | undefined, ins: Instruction, file: string, findings: Finding[]): void {
  if (!value) return;
  const v = value.replace(/^["']|["']$/g, '');
  const token = findToken(v);
  if (token || (isSecretName(key) && looksLikeSecretValue(v) && !isPlaceholder(v))) {
    findings.push({
      rule: 'hardcoded-secret', severity: 'error', file, line: ins.line, path: key,
      message: `${ins.op} ${key} puts ${token ? token.what : 'a secret'} (${token ? token.shown : redact(v)}) into every layer of the image, where anyone who can pull it can read it.`,
      fix: `Remove it from the Dockerfile, revoke it, and store it with the platform's secret store (secretstore.keys: [${key.toLowerCase().replace(/_/g, '-')}]); the app reads it from Dapr at run time.`,
    });
  }
}

/** Tags that move: the same name points at a different image tomorrow. */
const MOVING = /^(latest|lts|current|stable|edge|nightly|slim|alpine|bookworm|bullseye|buster|jammy|noble|focal|lts-\w+|current-\w+)$/;

function checkBase(image: string, line: number, file: string, findings: Finding[]): void {
  if (image === 'scratch' || image.includes('$')) return;
  if (image.includes('@sha256:')) return;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? image.slice(colon + 1) : '';
  const name = colon >= 0 ? image.slice(0, colon) : image;
  let why: string | undefined;
  if (!tag) why = `\`FROM ${image}\` has no tag, so it means \`${image}:latest\``;
  else if (MOVING.test(tag)) why = `\`FROM ${image}\` uses the moving tag \`${tag}\``;
  else if (/^\d+(-[a-z0-9.-]+)?$/.test(tag)) why = `\`FROM ${image}\` names only a major version (${tag.split('-')[0]})`;
  if (!why) return;
  const suggestion = suggestTag(name, tag);
  findings.push({
    rule: 'dockerfile-unpinned-base', severity: 'warning', file, line,
    message: `${why}: the base image changes under you, and a rebuild can break or change the app without any change of yours.`,
    fix: `Pin a specific version, e.g. \`FROM ${name}:${suggestion}\` (or add a digest: \`${name}:${suggestion}@sha256:…\`).`,
  });
}

function suggestTag(name: string, tag: string): string {
  const variant = tag.includes('-') ? tag.slice(tag.indexOf('-')) : tag === 'slim' || tag === 'alpine' ? `-${tag}` : '-slim';
  const base = name.split('/').pop();
  if (base === 'python') return `3.12.7${variant}`;
  if (base === 'node') return `20.18.0${variant === '-slim' ? '-bookworm-slim' : variant}`;
  return '<version>';
}
