/**
 * Reads a Dockerfile into facts: its stages, the final stage's user, base
 * images, environment (what each stage inherits from the one it is built
 * FROM, with ARG defaults substituted), exposed ports and start command. The
 * rules (rules.ts) judge them.
 */
import type { ImageEnv } from './start.js';
import { commandArgv, shellSplit } from './start.js';

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** A name = value the image sets (ENV, or ARG with a default), where secrets must not be. */
interface ImageSetting {
  op: 'ENV' | 'ARG';
  key: string;
  value: string;
  line: number;
}

interface BaseImage {
  /** As written, with ARG defaults substituted. */
  image: string;
  name: string;
  tag: string;
  digest: boolean;
  line: number;
}

export interface DockerfileFacts {
  file: string;
  instructions: Instruction[];
  /** External images stages are built FROM (not earlier stages, not scratch, not unresolved ARGs). */
  bases: BaseImage[];
  /** The final stage's user (inherited from the stage it is built FROM), or undefined for none (root). */
  user?: { value: string; line: number };
  /** Line of the final stage's FROM. */
  finalLine: number;
  /** The external image the final stage is built on (through earlier stages). */
  finalBase?: BaseImage;
  /** Every ENV and ARG default in the file. */
  settings: ImageSetting[];
  /** The final stage's environment, inherited through its FROM chain. */
  env: ImageEnv;
  /** Line of the ENV that set each variable of `env`. */
  envLines: Map<string, number>;
  expose: { port: number; line: number }[];
  /** The final stage's ENTRYPOINT + CMD (either inherited), already split; with the line of the later one. */
  start?: { argv: string[]; env: ImageEnv; line: number };
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
    // A heredoc (RUN <<EOF … EOF) is the instruction's body, not more instructions.
    const here = /<<-?\s*["']?(\w+)["']?/.exec(m?.[2] ?? '');
    if (here) {
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== here[1]) i++;
      i++;
    }
  }
  return out;
}

/** `ENV K=V K2="v 2"` and the older `ENV K V` form. */
function envPairs(args: string): [string, string][] {
  const t = args.trim();
  const old = /^([A-Za-z_]\w*)\s+(.*)$/.exec(t);
  if (old && !/^[A-Za-z_]\w*=/.test(t)) return [[old[1]!, unquote(old[2]!.trim())]];
  const out: [string, string][] = [];
  const re = /([A-Za-z_]\w*)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) out.push([m[1]!, m[3] ?? m[4] ?? m[5] ?? '']);
  return out;
}

const unquote = (s: string): string => s.replace(/^"(.*)"$|^'(.*)'$/, (_, a?: string, b?: string) => a ?? b ?? '');

/** `$X`, `${X}`, `${X:-d}` replaced from the variables known so far; unknown ones left as written. */
function substitute(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (whole, a?: string, d?: string, b?: string) => {
    const v = vars.get((a ?? b)!);
    return v !== undefined ? v : d !== undefined ? d : whole;
  });
}

interface Stage {
  name?: string;
  base?: BaseImage;
  user?: { value: string; line: number };
  env: Map<string, string>;
  envLines: Map<string, number>;
  expose: { port: number; line: number }[];
  cmd?: Instruction;
  /** CMD was set in this stage (not inherited): a later ENTRYPOINT keeps it. */
  cmdSet?: boolean;
  entrypoint?: Instruction;
  line: number;
}

function splitImage(image: string): Omit<BaseImage, 'line' | 'image'> {
  const digest = image.includes('@sha256:');
  const ref = image.split('@')[0]!;
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return { name: colon >= 0 ? ref.slice(0, colon) : ref, tag: colon >= 0 ? ref.slice(colon + 1) : '', digest };
}

/** ARG: a value sets the argument (a fact too); a bare name inside a stage re-declares a global one. */
function readArg(ins: Instruction, globalArgs: Map<string, string>, args: Map<string, string>, facts: DockerfileFacts): void {
  for (const part of ins.args.trim().split(/\s+/)) {
    const m = /^(\w+)(?:=(.*))?$/.exec(part);
    if (!m) continue;
    if (m[2] !== undefined) {
      const v = unquote(substitute(m[2], new Map([...globalArgs, ...args])));
      args.set(m[1]!, v);
      facts.settings.push({ op: 'ARG', key: m[1]!, value: v, line: ins.line });
    } else if (globalArgs.has(m[1]!)) {
      args.set(m[1]!, globalArgs.get(m[1]!)!);
    }
  }
}

/** FROM: a new stage, from an image (a base, a fact) or from an earlier stage (inheriting its settings). */
function readFrom(ins: Instruction, globalArgs: Map<string, string>, stages: Stage[], facts: DockerfileFacts): void {
  const parts = ins.args
    .replace(/--platform=\S+\s*/, '')
    .trim()
    .split(/\s+/);
  const image = substitute(parts[0] ?? '', globalArgs);
  const name = parts[1]?.toLowerCase() === 'as' ? parts[2] : undefined;
  const parent = stages.find((s) => s.name && s.name.toLowerCase() === image.toLowerCase());
  const base = !parent && image !== 'scratch' && !image.includes('$') ? { image, ...splitImage(image), line: ins.line } : undefined;
  stages.push(
    parent
      ? { ...parent, name, env: new Map(parent.env), envLines: new Map(parent.envLines), expose: [...parent.expose], cmdSet: false, line: ins.line }
      : { name, base, env: new Map(), envLines: new Map(), expose: [], line: ins.line },
  );
  if (base) facts.bases.push(base);
}

export function readDockerfile(text: string, file: string): DockerfileFacts {
  const instructions = parseDockerfile(text);
  const facts: DockerfileFacts = { file, instructions, bases: [], finalLine: 1, settings: [], env: new Map(), envLines: new Map(), expose: [] };
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  let args = globalArgs;

  for (const ins of instructions) {
    const st = stages[stages.length - 1];
    switch (ins.op) {
      case 'ARG':
        readArg(ins, globalArgs, args, facts);
        break;
      case 'FROM':
        readFrom(ins, globalArgs, stages, facts);
        args = new Map();
        break;
      case 'USER':
        if (st) st.user = { value: substitute(ins.args.trim(), new Map([...globalArgs, ...args, ...st.env])), line: ins.line };
        break;
      case 'ENV':
        for (const [k, raw] of envPairs(ins.args)) {
          const v = st ? substitute(raw, new Map([...globalArgs, ...args, ...st.env])) : raw;
          facts.settings.push({ op: 'ENV', key: k, value: v, line: ins.line });
          if (st) {
            st.env.set(k, v);
            st.envLines.set(k, ins.line);
          }
        }
        break;
      case 'EXPOSE':
        for (const p of ins.args.split(/\s+/)) {
          const n = Number(substitute(p, new Map([...args, ...(st?.env ?? [])])).split('/')[0]);
          if (st && Number.isInteger(n) && n > 0) st.expose.push({ port: n, line: ins.line });
        }
        break;
      // ENTRYPOINT drops a CMD inherited from the parent stage (Docker's rule), not one set in this stage.
      case 'CMD':
        if (st) {
          st.cmd = ins;
          st.cmdSet = true;
        }
        break;
      case 'ENTRYPOINT':
        if (st) {
          st.entrypoint = ins;
          if (!st.cmdSet) st.cmd = undefined;
        }
        break;
      default:
        break;
    }
  }

  const final = stages[stages.length - 1];
  if (!final) return facts;
  facts.user = final.user;
  facts.finalLine = final.line;
  facts.finalBase = final.base;
  facts.env = final.env;
  facts.envLines = final.envLines;
  facts.expose = final.expose;
  const ep = final.entrypoint ? commandArgv(final.entrypoint.args) : undefined;
  const cmd = final.cmd ? commandArgv(final.cmd.args) : undefined;
  // ENTRYPOINT ["sh", "-c"] + CMD ["gunicorn …"], or an exec-form ENTRYPOINT with CMD as its arguments.
  let argv = [...(ep?.argv ?? []), ...(cmd?.argv ?? [])];
  let shellEnv = new Map<string, string>();
  if (/^(\/bin\/)?(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c' && argv[2]) ({ argv, env: shellEnv } = shellSplit(argv[2]));
  if (argv.length) {
    const env = new Map([...final.env, ...(ep?.env ?? []), ...(cmd?.env ?? []), ...shellEnv]);
    facts.start = { argv, env, line: (final.cmd ?? final.entrypoint)!.line };
  }
  return facts;
}
