/** Reads a JavaScript or TypeScript module's syntax tree into SourceFacts. */
import type { Node, Tree } from 'web-tree-sitter';
import { NodeIndex } from './node-index.js';
import { clusterName, emptyFacts, str, UNKNOWN, valText, type Loc, type SourceFacts, type Val } from './facts.js';
import { server, type ServerId } from './frameworks.js';
import { isDisplayCall } from './names.js';
import { dotted, field, isWrapper, joinPath, literalString, loc, named, unescape, unwrap, type ConstTable, type ReaderContext } from './syntax.js';

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'use', 'route', 'head', 'options']);
const FS_WRITERS: Record<string, number> = {
  writeFile: 0,
  writeFileSync: 0,
  appendFile: 0,
  appendFileSync: 0,
  mkdir: 0,
  mkdirSync: 0,
  createWriteStream: 0,
  copyFile: 1,
  copyFileSync: 1,
  cp: 1,
  cpSync: 1,
  rename: 1,
  renameSync: 1,
  outputFile: 0,
  outputFileSync: 0,
  outputJson: 0,
  outputJsonSync: 0,
  writeJson: 0,
  writeJsonSync: 0,
  ensureDir: 0,
  ensureDirSync: 0,
  mkdirp: 0,
};
const MAX_DEPTH = 8;
/** Option names that tell a logger which file to write. */
const LOG_FILE_KEY = /^(log_?file(_?path|_?name)?|log_?path|logFilePath|logFileName)$/i;

type Ctx = ReaderContext;

function resolve(ctx: Ctx, node: Node | undefined, depth = 0): Val {
  const n = unwrap(node);
  if (!n || depth > MAX_DEPTH) return UNKNOWN;
  switch (n.type) {
    case 'string':
      return str(unescape(n.text.slice(1, -1), '`$'));
    case 'template_string': {
      let out = '';
      for (const c of n.children) {
        if (!c) continue;
        if (c.type === 'string_fragment' || c.type === 'escape_sequence') out += unescape(c.text, '`$');
        else if (c.type === 'template_substitution') out += valText(resolve(ctx, named(c)[0], depth + 1));
      }
      return str(out);
    }
    case 'number': {
      const v = Number(n.text.replace(/_/g, ''));
      return Number.isFinite(v) ? { kind: 'num', n: v } : UNKNOWN;
    }
    case 'true':
      return { kind: 'bool', b: true };
    case 'false':
      return { kind: 'bool', b: false };
    case 'null':
    case 'undefined':
      return { kind: 'none' };
    case 'identifier': {
      if (n.text === '__dirname') return str('{appdir}');
      if (n.text === '__filename') return str('{appdir}/__file__');
      const local = ctx.locals.get(n.text);
      if (local) return resolve(ctx, local, depth + 1);
      if (local === undefined) return ctx.project.get(n.text) ?? UNKNOWN;
      return UNKNOWN;
    }
    case 'member_expression': {
      const obj = unwrap(field(n, 'object'));
      const prop = field(n, 'property')?.text ?? '';
      if (obj && obj.text.replace(/\s+/g, '') === 'process.env') return { kind: 'env', name: prop };
      if (n.text === 'import.meta.dirname') return str('{appdir}');
      if (n.text === 'import.meta.url' || n.text === 'import.meta.filename') return str('{appdir}/__file__');
      if (obj?.type === 'identifier') return ctx.project.get(prop) ?? UNKNOWN;
      return UNKNOWN;
    }
    case 'subscript_expression': {
      const obj = unwrap(field(n, 'object'));
      const name = literalString(field(n, 'index'));
      if (obj && obj.text.replace(/\s+/g, '') === 'process.env' && name) return { kind: 'env', name };
      return UNKNOWN;
    }
    case 'binary_expression': {
      const op = field(n, 'operator')?.text ?? n.children.find((c) => c && !c.isNamed)?.text;
      const left = resolve(ctx, field(n, 'left'), depth + 1);
      if (op === '||' || op === '??') {
        if (left.kind === 'env' && !left.fallback) return { ...left, fallback: resolve(ctx, field(n, 'right'), depth + 1) };
        return left.kind === 'unknown' ? resolve(ctx, field(n, 'right'), depth + 1) : left;
      }
      if (op === '+') {
        const right = resolve(ctx, field(n, 'right'), depth + 1);
        if (left.kind === 'str' || right.kind === 'str') return str(valText(left) + valText(right));
        if (left.kind === 'num' && right.kind === 'num') return { kind: 'num', n: left.n + right.n };
      }
      return UNKNOWN;
    }
    case 'call_expression':
      return resolveCall(ctx, n, depth);
    default:
      return UNKNOWN;
  }
}

function resolveCall(ctx: Ctx, n: Node, depth: number): Val {
  const callee = dotted(ctx, field(n, 'function'));
  const args = named(field(n, 'arguments'));
  if (['Number', 'parseInt', 'parseFloat', 'String', 'Number.parseInt'].includes(callee)) return resolve(ctx, args[0], depth + 1);
  const m = /^(?:node:)?path\.(join|resolve|dirname|normalize)$/.exec(callee);
  if (m) {
    const parts = args.map((a) => valText(resolve(ctx, a, depth + 1)));
    if (m[1] === 'dirname') return parts[0]?.startsWith('{appdir}') ? str('{appdir}') : str(parts[0]?.replace(/\/[^/]*$/, '') ?? '{?}');
    return str(joinPath(parts, m[1] === 'resolve'));
  }
  if (/^(?:node:)?os\.(tmpdir|homedir)$/.test(callee)) return str('/tmp');
  if (callee === 'process.cwd') return str('{appdir}');
  if (/(^|\.)fileURLToPath$/.test(callee)) {
    const v = resolve(ctx, args[0], depth + 1);
    return v.kind === 'str' && v.s.startsWith('{appdir}') ? v : UNKNOWN;
  }
  return UNKNOWN;
}

function moduleOf(n: Node | undefined): string | undefined {
  return literalString(n);
}

/** `require('x')` → 'x'. */
function requireOf(n: Node | undefined): string | undefined {
  n = unwrap(n);
  if (n?.type !== 'call_expression') return undefined;
  const fn = field(n, 'function');
  if (fn?.text !== 'require') return undefined;
  return moduleOf(named(field(n, 'arguments'))[0]);
}

function collect(ctx: Ctx): void {
  for (const d of ctx.index.get('variable_declarator')) {
    if (!d) continue;
    const name = field(d, 'name');
    const value = field(d, 'value');
    if (!name || !value) continue;
    if (name.type === 'identifier') {
      ctx.locals.set(name.text, ctx.locals.has(name.text) ? null : value);
      const mod = requireOf(value) ?? requireOf(field(unwrap(value)!, 'object'));
      if (mod) {
        const viaMember = unwrap(value)?.type === 'member_expression' ? `.${field(unwrap(value)!, 'property')?.text}` : '';
        ctx.aliases.set(name.text, mod + viaMember);
        ctx.facts.imports.push({ module: mod, loc: loc(ctx, d) });
      }
    } else if (name.type === 'object_pattern') {
      const mod = requireOf(value);
      const fromEnv = unwrap(value)?.text.replace(/\s+/g, '') === 'process.env';
      if (mod) ctx.facts.imports.push({ module: mod, loc: loc(ctx, d) });
      for (const p of named(name)) {
        const key = p.type === 'shorthand_property_identifier_pattern' ? p.text : p.type === 'pair_pattern' ? field(p, 'key')?.text : undefined;
        const local = p.type === 'pair_pattern' ? field(p, 'value')?.text : key;
        if (!key || !local) continue;
        if (mod) ctx.aliases.set(local, `${mod}.${key}`);
        if (fromEnv) ctx.facts.envReads.push({ name: key, loc: loc(ctx, p) });
      }
    }
  }
  for (const a of ctx.index.get('assignment_expression')) {
    const left = a && field(a, 'left');
    if (left?.type === 'identifier' && ctx.locals.has(left.text)) ctx.locals.set(left.text, null);
  }
  for (const imp of ctx.index.get('import_statement')) {
    const mod = moduleOf(field(imp, 'source'));
    if (!mod) continue;
    ctx.facts.imports.push({ module: mod, loc: loc(ctx, imp) });
    const clause = named(imp).find((c) => c.type === 'import_clause');
    for (const c of named(clause)) {
      if (c.type === 'identifier') ctx.aliases.set(c.text, mod);
      else if (c.type === 'namespace_import') {
        const id = named(c)[0];
        if (id) ctx.aliases.set(id.text, mod);
      } else if (c.type === 'named_imports') {
        for (const s of named(c)) {
          if (s.type !== 'import_specifier') continue;
          const name = field(s, 'name')?.text;
          const alias = field(s, 'alias')?.text ?? name;
          if (name && alias) ctx.aliases.set(alias, `${mod}.${name}`);
        }
      }
    }
  }
  ctx.usesDaprSdk = ctx.facts.imports.some((i) => i.module === '@dapr/dapr' || i.module === 'dapr-client');
  for (const [name, value] of ctx.locals) {
    const v = unwrap(value ?? undefined);
    if (!v) continue;
    const fn = v.type === 'call_expression' ? dotted(ctx, field(v, 'function')) : v.type === 'new_expression' ? dotted(ctx, field(v, 'constructor')) : '';
    if (/^(express|koa|@hono\/node-server|hono)(\.default)?$|^(hono\.Hono|koa)$/.test(fn) || fn === 'express') ctx.apps.set(name, 'express');
    else if (/^fastify(\.default|\.fastify)?$/.test(fn)) ctx.apps.set(name, 'fastify');
    else if (/^(node:)?https?\.createServer$/.test(fn)) ctx.apps.set(name, 'http');
  }
}

const TYPES = [
  'variable_declarator',
  'assignment_expression',
  'import_statement',
  'call_expression',
  'new_expression',
  'string',
  'template_string',
  'binary_expression',
  'switch_case',
  'member_expression',
  'subscript_expression',
];

/** A parsed module, indexed once, read by both passes. */
export type JsModule = Ctx;

export function prepareJavaScript(tree: Tree, file: string, isTest: boolean): JsModule {
  const ctx: Ctx = {
    facts: emptyFacts(file, 'node', isTest),
    index: new NodeIndex(tree.rootNode, TYPES),
    locals: new Map(),
    project: new Map(),
    aliases: new Map(),
    apps: new Map(),
    usesDaprSdk: false,
  };
  collect(ctx);
  return ctx;
}

/** Top-level constants, resolved, for the project-wide table. */
export function jsConstants(ctx: JsModule, tree: Tree): ConstTable {
  const out: ConstTable = new Map();
  for (let stmt of named(tree.rootNode)) {
    if (stmt.type === 'export_statement') stmt = field(stmt, 'declaration') ?? stmt;
    if (stmt.type !== 'lexical_declaration' && stmt.type !== 'variable_declaration') continue;
    for (const d of named(stmt)) {
      const name = d.type === 'variable_declarator' ? field(d, 'name') : undefined;
      if (name?.type !== 'identifier' || ctx.locals.get(name.text) === null) continue;
      const v = resolve(ctx, field(d, 'value'));
      if (v.kind !== 'unknown') out.set(name.text, v);
    }
  }
  return out;
}

export function readJavaScript(ctx: JsModule, project: ConstTable): SourceFacts {
  ctx.project = project;
  const ix = ctx.index;
  for (const c of ix.get('call_expression', 'new_expression')) readCall(ctx, c);
  for (const s of ix.get('string', 'template_string')) readString(ctx, s);
  for (const b of ix.get('binary_expression')) readComparison(ctx, b);
  for (const c of ix.get('switch_case')) {
    const s = literalString(field(c, 'value'));
    if (s?.startsWith('/')) ctx.facts.routes.push({ path: s.split('?')[0]!, loc: loc(ctx, c) });
  }
  for (const m of ix.get('member_expression', 'subscript_expression')) {
    const text = m.text;
    if (!text.startsWith('process') || text.replace(/\s+/g, '') === 'process.env') continue;
    const v = resolve(ctx, m);
    if (v.kind !== 'env' || !v.name) continue;
    // process.env.X || 'dev', process.env.X ?? 'dev': a default.
    const up = m.parent;
    const dflt =
      up?.type === 'binary_expression' && /^(\|\||\?\?)$/.test(field(up, 'operator')?.text ?? '') && field(up, 'left')?.equals(m)
        ? field(up, 'right')
        : undefined;
    ctx.facts.envReads.push({
      name: v.name,
      loc: loc(ctx, m),
      hasDefault: !!dflt && literalString(dflt) !== '' && dflt.type !== 'null' && dflt.type !== 'undefined',
    });
  }
  for (const imp of ix.get('import_statement')) {
    if (moduleOf(field(imp, 'source')) === 'dotenv/config') ctx.facts.dotenvLoads.push(loc(ctx, imp));
  }
  return ctx.facts;
}

/**
 * Inside `if (require.main === module)` (or its ES-module form comparing
 * import.meta.url with process.argv[1]): runs only when this file is the program started.
 */
function underMain(node: Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const cond = field(p, 'condition')?.text.replace(/\s+/g, '') ?? '';
    if (
      /require\.main===?module|module===?require\.main|import\.meta\.url.*process\.argv\[1\]|process\.argv\[1\].*import\.meta\.(url|filename)|import\.meta\.main/.test(
        cond,
      )
    )
      return true;
  }
  return false;
}

/** One call (or `new`), taken apart once for the readers below. */
interface JsCall {
  node: Node;
  isNew: boolean;
  fnNode?: Node;
  /** Dotted, aliases expanded: `fs.writeFileSync`, `app.listen`. */
  callee: string;
  method: string;
  receiver?: Node;
  args: Node[];
  at: Loc;
}

function readCall(ctx: Ctx, node: Node): void {
  const isNew = node.type === 'new_expression';
  const fnNode = unwrap(field(node, isNew ? 'constructor' : 'function'));
  const callee = dotted(ctx, fnNode);
  const c: JsCall = {
    node,
    isNew,
    fnNode,
    callee,
    args: named(field(node, 'arguments')),
    at: loc(ctx, node),
    method: fnNode?.type === 'member_expression' ? (field(fnNode, 'property')?.text ?? '') : callee,
    receiver: fnNode?.type === 'member_expression' ? unwrap(field(fnNode, 'object')) : undefined,
  };
  if (readDotenvCall(ctx, c) || readServer(ctx, c)) return;
  readRoute(ctx, c);
  readWrite(ctx, c);
  if (ctx.usesDaprSdk) readDaprSdk(ctx, c);
}

/** require('dotenv/config'), dotenv.config(). */
function readDotenvCall(ctx: Ctx, c: JsCall): boolean {
  const { isNew, fnNode, callee, method, receiver, args, at } = c;
  const f = ctx.facts;
  if (!isNew && fnNode?.text === 'require') {
    if (moduleOf(args[0]) === 'dotenv/config') f.dotenvLoads.push(at);
    return true;
  }
  if (/^dotenv(\.default)?\.config$/.test(callee) || (method === 'config' && receiver && requireOf(receiver) === 'dotenv')) {
    f.dotenvLoads.push(at);
    return true;
  }
  return false;
}

/** A server started in code: app.listen(3000, '127.0.0.1'), server.listen({ port, host }), serve({ fetch, port }). */
function readServer(ctx: Ctx, c: JsCall): boolean {
  const { callee, method, receiver, args, at } = c;
  const f = ctx.facts;
  const listen = (id: ServerId, via: string, host: Val | undefined, port: Val | undefined): void => {
    const spec = server(id);
    f.listens.push({ loc: at, via, server: id, host, defaultHost: spec.defaultHost, port, defaultPort: spec.defaultPort, underMain: underMain(c.node) });
  };
  if (method === 'listen' && receiver) {
    const kind = receiver.type === 'identifier' ? ctx.apps.get(receiver.text) : undefined;
    const id: ServerId = kind === 'fastify' ? 'fastify' : (kind ?? 'http');
    const first = unwrap(args[0]);
    if (first?.type === 'object') {
      const props = objectProps(first);
      listen(id, `${receiver.text.split('(')[0]}.listen`, val(ctx, props.get('host')), val(ctx, props.get('port')));
      return true;
    }
    const port = val(ctx, first);
    if (!kind && !(port && (port.kind === 'num' || port.kind === 'env' || /app|server|http/i.test(receiver.text)))) return true;
    const second = unwrap(args[1]);
    const hostNode =
      second && !['arrow_function', 'function_expression', 'function', 'identifier'].includes(second.type)
        ? second
        : second?.type === 'identifier' && resolve(ctx, second).kind === 'str'
          ? second
          : undefined;
    listen(id, `${receiver.type === 'identifier' ? receiver.text : 'server'}.listen`, val(ctx, hostNode), port);
    return true;
  }
  if ((callee === '@hono/node-server.serve' || callee === 'Bun.serve') && unwrap(args[0])?.type === 'object') {
    const props = objectProps(unwrap(args[0])!);
    listen(callee === 'Bun.serve' ? 'bun' : 'hono', callee.replace('@hono/node-server.', ''), val(ctx, props.get('hostname')), val(ctx, props.get('port')));
    return true;
  }
  return false;
}

/** Routes: app.get('/health', …), router.route('/x'), url.startsWith('/health'). */
function readRoute(ctx: Ctx, c: JsCall): void {
  const { method, receiver, args, at } = c;
  const f = ctx.facts;
  if (ROUTE_METHODS.has(method) && receiver && args.length >= 1) {
    const p = resolve(ctx, args[0]);
    if (p.kind === 'str' && p.s.startsWith('/') && (args.length >= 2 || method === 'route')) f.routes.push({ path: p.s, loc: at });
  }
  if (method === 'startsWith' || method === 'endsWith') {
    const p = literalString(args[0]);
    if (p?.startsWith('/')) f.routes.push({ path: p, loc: at });
  }
  // NestJS: @Controller('health') class … { @Get() check() } or @Get('health').
  if (c.node.parent?.type === 'decorator' && /^(Get|All|Head)$/.test(method.split('.').pop() ?? '')) {
    const own = args[0] ? literalString(args[0]) : '';
    if (own === undefined) return;
    const prefix = controllerPrefix(c.node);
    if (prefix === undefined) return;
    f.routes.push({
      path: `/${[prefix, own]
        .map((x) => x.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/')}`,
      loc: at,
    });
  }
}

/** The path of the @Controller('…') class a decorated method is in ('' for @Controller()), or undefined. */
function controllerPrefix(node: Node): string | undefined {
  let cls: Node | null = node.parent;
  while (cls && cls.type !== 'class_declaration' && cls.type !== 'class') cls = cls.parent;
  if (!cls) return undefined;
  // Decorators of a class sit before it: as its children, or as the export statement's.
  const decorators = [...named(cls), ...(cls.parent?.type === 'export_statement' ? named(cls.parent) : [])].filter((d) => d.type === 'decorator');
  for (const d of decorators) {
    const call = named(d)[0];
    if (call?.type !== 'call_expression' || field(call, 'function')?.text !== 'Controller') continue;
    const arg = named(field(call, 'arguments'))[0];
    return arg ? (literalString(arg) ?? undefined) : '';
  }
  return undefined;
}

/** Writes to the file system: fs writers, SQLite files, lowdb, multer, logger files. */
function readWrite(ctx: Ctx, c: JsCall): void {
  const { isNew, callee, method, args, at } = c;
  const f = ctx.facts;
  const idx = FS_WRITERS[method];
  const fsLike =
    (callee.split('.').slice(0, -1).join('.') || callee).match(/^(node:)?fs(\/promises)?(\.promises)?$|^fs-extra$|^(fs|fsp|fse|fsPromises|fsExtra)$/) ||
    /^(node:)?fs(\/promises)?\.\w+$|^fs-extra\.\w+$/.test(callee);
  if (idx !== undefined && fsLike && args[idx]) {
    f.writes.push({ loc: at, via: callee || method, path: resolve(ctx, args[idx]) });
  } else if (isNew && /(^|\.)Database$/.test(callee) && /sqlite|Database/.test(callee) && args[0]) {
    const p = resolve(ctx, args[0]);
    if (!(p.kind === 'str' && p.s === ':memory:')) f.writes.push({ loc: at, via: `new ${callee}`, path: p });
  } else if (/(^|\.)(JSONFile|JSONFileSync|Low|LowSync)$/.test(callee) && args[0]) {
    f.writes.push({ loc: at, via: callee, path: resolve(ctx, args[0]) });
  } else if ((callee === 'multer' || /^multer(\.default)?$/.test(callee)) && unwrap(args[0])?.type === 'object') {
    const dest = objectProps(unwrap(args[0])!).get('dest');
    if (dest) f.writes.push({ loc: at, via: 'multer({ dest })', path: resolve(ctx, dest) });
  } else if (isNew && /transports\.File$/.test(callee) && unwrap(args[0])?.type === 'object') {
    const file = objectProps(unwrap(args[0])!).get('filename');
    if (file) f.writes.push({ loc: at, via: callee, path: resolve(ctx, file) });
  }

  // A logger told to write a file: createSimpleLogger({ logFilePath }), pino({ file }), bunyan streams { path }.
  for (const a of args) {
    const o = unwrap(a);
    if (o?.type !== 'object') continue;
    for (const [k, v] of objectProps(o))
      if (LOG_FILE_KEY.test(k)) f.writes.push({ loc: at, via: `${callee || method}({ ${k} })`, path: val(ctx, v) ?? UNKNOWN });
  }
}

/** Dapr's JavaScript SDK: client.state.save('statestore', …), client.invoker.invoke('app1', …). */
function readDaprSdk(ctx: Ctx, c: JsCall): void {
  const { method, receiver, args, at } = c;
  const f = ctx.facts;
  if (receiver?.type === 'member_expression') {
    const group = field(receiver, 'property')?.text;
    const api =
      group === 'state'
        ? 'state'
        : group === 'secret'
          ? 'secrets'
          : group === 'pubsub' && method === 'publish'
            ? 'publish'
            : group === 'binding' && method === 'send'
              ? 'bindings'
              : group === 'invoker' && method === 'invoke'
                ? 'invoke'
                : undefined;
    const name = api && clusterName(resolve(ctx, args[0]));
    if (api && name) {
      const key = api === 'secrets' ? literalString(args[1]) : undefined;
      f.daprSdk.push({ loc: at, api, name, key, via: `${receiver.text.replace(/\s+/g, '')}.${method}` });
    }
  }
}

function objectProps(obj: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const p of named(obj)) {
    if (p.type === 'pair') {
      const k = field(p, 'key');
      const v = field(p, 'value');
      const key = k?.type === 'string' ? literalString(k) : k?.text;
      if (key && v) out.set(key, v);
    } else if (p.type === 'shorthand_property_identifier') {
      out.set(p.text, p);
    }
  }
  return out;
}

function val(ctx: Ctx, n: Node | undefined): Val | undefined {
  if (!n) return undefined;
  if (n.type === 'shorthand_property_identifier') {
    const local = ctx.locals.get(n.text);
    return local ? resolve(ctx, local) : UNKNOWN;
  }
  return resolve(ctx, n);
}

function readString(ctx: Ctx, node: Node): void {
  let parent = node.parent;
  if (!parent) return;
  if (
    ['import_statement', 'export_statement', 'literal_type', 'subscript_expression', 'import_require_clause', 'predefined_type', 'switch_case'].includes(
      parent.type,
    )
  )
    return;
  // Type positions in TypeScript (`type T = 'a' | 'b'`) and JSX are not values the app uses.
  if (parent.type.startsWith('jsx')) return;
  // process.env.X || 'mongodb://localhost:27017': the default is what runs in the cluster.
  while (parent && (isWrapper(parent) || (parent.type === 'binary_expression' && /^(\|\||\?\?)$/.test(field(parent, 'operator')?.text ?? ''))))
    parent = parent.parent;
  if (!parent) return;
  if (parent.type === 'arguments' && parent.parent && field(parent.parent, 'function')?.text === 'require') return;
  const value = resolve(ctx, node);
  if (value.kind !== 'str' || value.s === '') return;
  const literal = node.type === 'string' || !node.text.includes('${');
  const fact = { value: value.s, loc: loc(ctx, node), literal } as SourceFacts['strings'][number];
  if (parent.type === 'pair') {
    if (field(parent, 'key')?.equals(node)) return;
    const k = field(parent, 'key');
    fact.key = k?.type === 'string' ? literalString(k) : k?.text;
    // { host: 'localhost', port: process.env.PORT }: the port beside a host says whose it is.
    const port = parent.parent?.type === 'object' ? objectProps(parent.parent).get('port') : undefined;
    if (port) fact.port = valText(val(ctx, port) ?? UNKNOWN);
    // server.listen({ host: 'localhost', port }), new Pool({ host: 'db' }): the call the object is given to.
    const call = parent.parent?.type === 'object' && parent.parent.parent?.type === 'arguments' ? parent.parent.parent.parent : undefined;
    if (call) {
      const fn = field(call, call.type === 'new_expression' ? 'constructor' : 'function');
      fact.callee = dotted(ctx, fn) || fn?.text;
    }
  } else if (parent.type === 'variable_declarator') {
    fact.key = field(parent, 'name')?.text;
    fact.assigned = true;
  } else if (parent.type === 'assignment_expression') {
    const l = field(parent, 'left');
    fact.key = l?.type === 'member_expression' ? field(l, 'property')?.text : l?.text;
    fact.assigned = true;
  } else if (parent.type === 'array' && parent.parent?.type === 'pair') {
    const k = field(parent.parent, 'key');
    fact.key = k?.type === 'string' ? literalString(k) : k?.text;
  } else if (parent.type === 'arguments' && parent.parent) {
    const fn = field(parent.parent, parent.parent.type === 'new_expression' ? 'constructor' : 'function');
    fact.callee = dotted(ctx, fn) || fn?.text;
    fact.forDisplay = isDisplayCall(fact.callee ?? '') || /(^|\.)(log|info|warn|error|debug|send|json|render|write|end)$/.test(fact.callee ?? '');
  } else if (parent.type === 'template_substitution' || parent.type === 'binary_expression') {
    return; // part of a bigger string, read as a whole
  }
  ctx.facts.strings.push(fact);
  if (literal && fact.key && ['pair', 'variable_declarator', 'assignment_expression'].includes(parent.type)) {
    ctx.facts.namedLiterals.push({ name: fact.key, value: value.s, loc: fact.loc });
  }
}

function readComparison(ctx: Ctx, node: Node): void {
  const op = field(node, 'operator')?.text;
  if (op && !['===', '==', '!==', '!='].includes(op)) {
    // string concatenation: read the whole expression once, at its outermost `+`.
    if (op === '+' && node.parent?.type !== 'binary_expression') {
      const v = resolve(ctx, node);
      if (v.kind === 'str' && /[:/]/.test(v.s)) {
        const parent = node.parent;
        const fact = { value: v.s, loc: loc(ctx, node), literal: false } as SourceFacts['strings'][number];
        if (parent?.type === 'arguments' && parent.parent) {
          fact.callee = dotted(ctx, field(parent.parent, 'function'));
          fact.forDisplay = isDisplayCall(fact.callee) || /(^|\.)(log|info|warn|error|debug|send|json)$/.test(fact.callee);
        } else if (parent?.type === 'variable_declarator') {
          fact.key = field(parent, 'name')?.text;
        }
        ctx.facts.strings.push(fact);
      }
    }
    return;
  }
  for (const side of [field(node, 'left'), field(node, 'right')]) {
    const s = literalString(side);
    if (s?.startsWith('/')) ctx.facts.routes.push({ path: s.split('?')[0]!, loc: loc(ctx, node) });
  }
}
