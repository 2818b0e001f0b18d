/** Reads a Python module's syntax tree into SourceFacts. */
import type { Node, Tree } from 'web-tree-sitter';
import { NodeIndex } from './node-index.js';
import { clusterName, emptyFacts, str, UNKNOWN, valText, type Loc, type SourceFacts, type Val } from './facts.js';
import { PY_APP_CONSTRUCTORS, server, type ServerId } from './frameworks.js';
import { isDisplayCall, PLATFORM_ENV } from './names.js';
import {
  dotted,
  field,
  joinPath,
  literalString,
  loc,
  named,
  pythonStringValue,
  stringPrefix,
  unescape,
  type ConstTable,
  type ReaderContext,
} from './syntax.js';

export type { ConstTable } from './syntax.js';

const ROUTE_METHODS = new Set(['route', 'get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'api_route', 'websocket']);
const ENV_GET = new Set(['os.environ.get', 'os.getenv', 'os.environ.setdefault']);
/** Settings libraries that read the environment: python-decouple's config(), environs' and django-environ's env(). */
const ENV_LIB_CALL = /^(decouple\.config|env|env\.(str|bool|int|float|list|dict|json|url|db|db_url|path|decimal))$/;

/** An environment read: os.getenv("X", d), or config("X", default=d) / env.bool("X", d) when a settings library is imported. */
function isEnvRead(ctx: Ctx, callee: string): boolean {
  if (ENV_GET.has(callee)) return true;
  if (!ENV_LIB_CALL.test(callee)) return false;
  return callee.startsWith('decouple.') || ctx.facts.imports.some((i) => /^(environs|environ|decouple)(\.|$)/.test(i.module));
}
const STATE_SDK = new Set(['save_state', 'get_state', 'delete_state', 'get_bulk_state', 'save_bulk_state', 'query_state', 'execute_state_transaction']);
const MAX_DEPTH = 8;

type Ctx = ReaderContext;

/** A string literal; an f-string with its interpolations worked out. */
function resolveString(ctx: Ctx, node: Node, depth: number): Val {
  const prefix = stringPrefix(node);
  if (!prefix.includes('f')) return str(pythonStringValue(node));
  const raw = prefix.includes('r');
  let out = '';
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'string_content') out += raw ? c.text : unescape(c.text);
    else if (c.type === 'interpolation') out += valText(resolve(ctx, field(c, 'expression') ?? named(c)[0], depth + 1));
  }
  return str(out);
}

/** `path.parent`, `self.x`, `config.STORE`: what an attribute stands for. */
function resolveAttribute(ctx: Ctx, node: Node, depth: number): Val {
  const attr = field(node, 'attribute')?.text;
  const obj = field(node, 'object');
  if ((attr === 'parent' || attr === 'parents') && obj) {
    const base = resolve(ctx, obj, depth + 1);
    return base.kind === 'str' && base.s.startsWith('{appdir}') ? str('{appdir}') : UNKNOWN;
  }
  if (obj?.type === 'identifier' && obj.text === 'self') {
    const set = ctx.locals.get(node.text);
    return set ? resolve(ctx, set, depth + 1) : UNKNOWN;
  }
  // config.STATE_STORE, settings.STORE_NAME: a constant of another module.
  if (attr && obj?.type === 'identifier') return ctx.project.get(attr) ?? UNKNOWN;
  return UNKNOWN;
}

/** `+` on strings, `/` on paths, `%` formatting. */
function resolveBinary(ctx: Ctx, node: Node, depth: number): Val {
  const op = field(node, 'operator')?.text;
  const left = resolve(ctx, field(node, 'left'), depth + 1);
  const right = resolve(ctx, field(node, 'right'), depth + 1);
  if (op === '+' && (left.kind === 'str' || right.kind === 'str')) return str(valText(left) + valText(right));
  if (op === '/' && left.kind === 'str') return str(joinPath([valText(left), valText(right)]));
  // '%s/v1.0/state/%s' % (base, STORE): printf-style formatting.
  if (op === '%' && left.kind === 'str') {
    const r = field(node, 'right');
    const items = r?.type === 'tuple' ? named(r).map((n) => valText(resolve(ctx, n, depth + 1))) : [valText(right)];
    let i = 0;
    return str(left.s.replace(/%%|%[-#0 +]*\d*(?:\.\d+)?[sdrifx]/g, (m) => (m === '%%' ? '%' : (items[i++] ?? '{?}'))));
  }
  return UNKNOWN;
}

/** Work out a value statically, as far as simple constants allow. */
function resolve(ctx: Ctx, node: Node | undefined, depth = 0): Val {
  if (!node || depth > MAX_DEPTH) return UNKNOWN;
  switch (node.type) {
    case 'string':
      return resolveString(ctx, node, depth);
    case 'concatenated_string':
      return str(
        named(node)
          .map((c) => valText(resolve(ctx, c, depth + 1)))
          .join(''),
      );
    case 'integer': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? { kind: 'num', n } : UNKNOWN;
    }
    case 'float':
      return { kind: 'num', n: Number(node.text) };
    case 'true':
      return { kind: 'bool', b: true };
    case 'false':
      return { kind: 'bool', b: false };
    case 'none':
      return { kind: 'none' };
    case 'parenthesized_expression':
      return resolve(ctx, named(node)[0], depth + 1);
    case 'identifier': {
      if (node.text === '__file__') return str('{appdir}/__file__');
      const local = ctx.locals.get(node.text);
      if (local) return resolve(ctx, local, depth + 1);
      if (local === undefined) {
        const imported = ctx.project.get(node.text);
        if (imported) return imported;
      }
      return UNKNOWN;
    }
    case 'attribute':
      return resolveAttribute(ctx, node, depth);
    case 'subscript': {
      const value = dotted(ctx, field(node, 'value'));
      if (value === 'os.environ') {
        const name = literalString(field(node, 'subscript'));
        if (name) return { kind: 'env', name };
      }
      return UNKNOWN;
    }
    case 'boolean_operator': {
      const left = resolve(ctx, field(node, 'left'), depth + 1);
      const or = node.children.some((c) => c?.type === 'or');
      if (or && left.kind === 'env' && !left.fallback) {
        return { ...left, fallback: resolve(ctx, field(node, 'right'), depth + 1) };
      }
      // name or "default": a parameter left out reads as its default (as `a || b` does in JavaScript).
      if (or && left.kind === 'unknown') return resolve(ctx, field(node, 'right'), depth + 1);
      return left.kind === 'unknown' ? UNKNOWN : left;
    }
    case 'binary_operator':
      return resolveBinary(ctx, node, depth);
    case 'call':
      return resolveCall(ctx, node, depth);
    default:
      return UNKNOWN;
  }
}

function resolveCall(ctx: Ctx, node: Node, depth: number): Val {
  const callee = dotted(ctx, field(node, 'function'));
  const { args, kwargs } = callArgs(node);
  if (isEnvRead(ctx, callee)) {
    const name = literalString(args[0]);
    if (!name) return UNKNOWN;
    const fb = args[1] ?? kwargs.get('default');
    return { kind: 'env', name, fallback: fb ? resolve(ctx, fb, depth + 1) : undefined };
  }
  if (callee === 'int' || callee === 'str' || callee === 'float') return resolve(ctx, args[0], depth + 1);
  if (['os.path.join', 'posixpath.join', 'Path', 'pathlib.Path', 'PurePath', 'pathlib.PurePath'].includes(callee)) {
    if (args.length === 0) return str('{appdir}');
    return str(joinPath(args.map((a) => valText(resolve(ctx, a, depth + 1)))));
  }
  if (['os.path.dirname', 'os.path.abspath', 'os.path.realpath', 'os.path.normpath'].includes(callee)) {
    const v = resolve(ctx, args[0], depth + 1);
    return v.kind === 'str' && v.s.startsWith('{appdir}') ? str('{appdir}') : v;
  }
  if (/^tempfile\.(gettempdir|mkdtemp|mktemp|gettempdirb)$/.test(callee)) return str('/tmp');
  if (callee === 'os.path.expanduser' || callee === 'Path.home' || callee === 'pathlib.Path.home') return str('/tmp');
  if (callee === 'os.getcwd' || callee === 'Path.cwd' || callee === 'pathlib.Path.cwd') return str('{appdir}');
  const fn = field(node, 'function');
  // "http://localhost:{}/v1.0/invoke/{}/method/x".format(port, APP): str.format.
  if (fn?.type === 'attribute' && field(fn, 'attribute')?.text === 'format') {
    const tpl = resolve(ctx, field(fn, 'object'), depth + 1);
    if (tpl.kind === 'str') {
      let i = 0;
      return str(
        tpl.s.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, name: string | undefined) => {
          if (m === '{{') return '{';
          if (m === '}}') return '}';
          const key = (name ?? '').split(/[!:]/)[0]!;
          const v = key === '' ? args[i++] : /^\d+$/.test(key) ? args[Number(key)] : kwargs.get(key);
          return v ? valText(resolve(ctx, v, depth + 1)) : '{?}';
        }),
      );
    }
  }
  // Path(...).resolve(), .absolute(): keep the path.
  if (fn?.type === 'attribute' && ['resolve', 'absolute', 'expanduser'].includes(field(fn, 'attribute')?.text ?? '')) {
    return resolve(ctx, field(fn, 'object'), depth + 1);
  }
  return UNKNOWN;
}

function callArgs(node: Node): { args: Node[]; kwargs: Map<string, Node> } {
  const args: Node[] = [];
  const kwargs = new Map<string, Node>();
  for (const a of named(field(node, 'arguments'))) {
    if (a.type === 'keyword_argument') {
      const k = field(a, 'name')?.text;
      const v = field(a, 'value');
      if (k && v) kwargs.set(k, v);
    } else if (a.type !== 'comment') {
      args.push(a);
    }
  }
  return { args, kwargs };
}

/** First pass: the names a module assigns exactly once, and its imports' aliases. */
function collectLocals(index: NodeIndex): Map<string, Node | null> {
  const locals = new Map<string, Node | null>();
  for (const a of index.get('assignment')) {
    if (!a) continue;
    const left = field(a, 'left');
    const right = field(a, 'right');
    if (!right) continue;
    // self.store = …: an attribute set once in the module reads like a local (`self.store` below).
    const name = left?.type === 'identifier' ? left.text : left?.type === 'attribute' && /^self\.\w+$/.test(left.text) ? left.text : undefined;
    if (!name) continue;
    locals.set(name, locals.has(name) ? null : right);
  }
  return locals;
}

function collectAliases(ctx: Ctx): void {
  for (const imp of ctx.index.get('import_statement', 'import_from_statement')) {
    if (!imp) continue;
    const line = loc(ctx, imp);
    if (imp.type === 'import_statement') {
      for (const n of named(imp)) {
        const dn = n.type === 'aliased_import' ? field(n, 'name') : n;
        const alias = n.type === 'aliased_import' ? field(n, 'alias')?.text : undefined;
        if (!dn) continue;
        ctx.facts.imports.push({ module: dn.text, loc: line });
        if (alias) ctx.aliases.set(alias, dn.text);
      }
    } else {
      const mod = field(imp, 'module_name')?.text ?? '';
      if (!mod || mod.startsWith('.')) continue;
      ctx.facts.imports.push({ module: mod, loc: line });
      for (const n of named(imp)) {
        if (n === field(imp, 'module_name') || n.equals(field(imp, 'module_name')!)) continue;
        const dn = n.type === 'aliased_import' ? field(n, 'name') : n;
        const local = n.type === 'aliased_import' ? field(n, 'alias')?.text : dn?.text;
        if (dn && local && dn.type === 'dotted_name') {
          ctx.aliases.set(local, `${mod}.${dn.text}`);
          ctx.facts.imports.push({ module: `${mod}.${dn.text}`, loc: line });
        }
      }
    }
  }
  ctx.usesDaprSdk = ctx.facts.imports.some((i) => i.module === 'dapr' || i.module.startsWith('dapr.'));
}

function collectApps(ctx: Ctx): void {
  for (const [name, node] of ctx.locals) {
    if (node?.type !== 'call') continue;
    const callee = dotted(ctx, field(node, 'function'));
    const fw = PY_APP_CONSTRUCTORS[callee];
    if (fw) ctx.apps.set(name, fw);
  }
}

const TYPES = [
  'assignment',
  'import_statement',
  'import_from_statement',
  'call',
  'string',
  'concatenated_string',
  'comparison_operator',
  'class_definition',
  'subscript',
  'binary_operator',
];

/** A parsed module, indexed once, read by both passes. */
export type PythonModule = Ctx;

export function preparePython(tree: Tree, file: string, isTest: boolean): PythonModule {
  const index = new NodeIndex(tree.rootNode, TYPES);
  const ctx: Ctx = {
    facts: emptyFacts(file, 'python', isTest),
    index,
    locals: collectLocals(index),
    project: new Map(),
    aliases: new Map(),
    apps: new Map(),
    usesDaprSdk: false,
  };
  collectAliases(ctx);
  collectApps(ctx);
  return ctx;
}

/** Module-level constants, resolved, for the project-wide table. */
export function pythonConstants(ctx: PythonModule, tree: Tree): ConstTable {
  const out: ConstTable = new Map();
  for (const stmt of named(tree.rootNode)) {
    const a = stmt.type === 'expression_statement' ? named(stmt)[0] : undefined;
    if (a?.type !== 'assignment') continue;
    const left = field(a, 'left');
    if (left?.type !== 'identifier' || ctx.locals.get(left.text) === null) continue;
    const v = resolve(ctx, field(a, 'right'));
    if (v.kind !== 'unknown') out.set(left.text, v);
  }
  return out;
}

export function readPython(ctx: PythonModule, project: ConstTable): SourceFacts {
  ctx.project = project;
  const ix = ctx.index;
  for (const call of ix.get('call')) readCall(ctx, call);
  for (const s of ix.get('string', 'concatenated_string')) readString(ctx, s);
  // Strings built by +, % or str.format, read whole at their outermost expression.
  for (const b of ix.get('binary_operator')) if (isBuiltString(b) && b.parent?.type !== 'binary_operator') readString(ctx, b);
  for (const c of ix.get('call')) if (isFormatCall(c)) readString(ctx, c);
  for (const c of ix.get('comparison_operator')) readComparison(ctx, c);
  for (const a of ix.get('assignment')) readAssignment(ctx, a);
  for (const c of ix.get('class_definition')) readSettingsClass(ctx, c);
  for (const s of ix.get('subscript')) {
    const v = resolve(ctx, s);
    if (v.kind === 'env') ctx.facts.envReads.push({ name: v.name, loc: loc(ctx, s) });
  }
  return ctx.facts;
}

/** One call, taken apart once for the readers below. */
interface Call {
  node: Node;
  /** Dotted, aliases expanded: `os.environ.get`, `app.run`. */
  callee: string;
  /** The last name: `run` of `app.run`, or the callee. */
  method: string;
  receiver?: Node;
  args: Node[];
  kwargs: Map<string, Node>;
  at: Loc;
  /** A parameter by position or keyword. */
  arg: (i: number, k: string) => Node | undefined;
}

function readCall(ctx: Ctx, node: Node): void {
  const fnNode = field(node, 'function');
  const callee = dotted(ctx, fnNode);
  const { args, kwargs } = callArgs(node);
  const c: Call = {
    node,
    callee,
    args,
    kwargs,
    at: loc(ctx, node),
    method: fnNode?.type === 'attribute' ? (field(fnNode, 'attribute')?.text ?? '') : callee,
    receiver: fnNode?.type === 'attribute' ? field(fnNode, 'object') : undefined,
    arg: (i, k) => kwargs.get(k) ?? args[i],
  };
  if (readEnvCall(ctx, c) || readServer(ctx, c)) return;
  readRoute(ctx, c);
  readWrite(ctx, c);
  if (ctx.usesDaprSdk) readDaprSdk(ctx, c);
}

/** os.getenv / os.environ.get, load_dotenv(). */
function readEnvCall(ctx: Ctx, c: Call): boolean {
  const { callee, args, kwargs, at } = c;
  const f = ctx.facts;
  if (isEnvRead(ctx, callee)) {
    const name = literalString(args[0]);
    if (name) {
      const d = args[1] ?? kwargs.get('default');
      f.envReads.push({ name, loc: at, hasDefault: !!d && d.type !== 'none' && literalString(d) !== '' });
      const fb = literalString(args[1] ?? kwargs.get('default'));
      if (fb) f.namedLiterals.push({ name, value: fb, loc: at });
    }
    return true;
  }
  // from dotenv import load_dotenv → callee is `dotenv.load_dotenv`.
  if (/^dotenv\.(load_dotenv|dotenv_values)$/.test(callee) || callee === 'load_dotenv') {
    f.dotenvLoads.push(at);
    return true;
  }

  return false;
}

/** A server started in code: app.run(), uvicorn.run(), HTTPServer(…)… with its host and port. */
function readServer(ctx: Ctx, c: Call): boolean {
  const { node, callee, method, receiver, args, kwargs, at, arg } = c;
  const f = ctx.facts;
  const listen = (id: ServerId, via: string, host: Node | Val | undefined, port: Node | Val | undefined): void => {
    const spec = server(id);
    const v = (x: Node | Val | undefined): Val | undefined => (x === undefined ? undefined : 'kind' in x ? x : resolve(ctx, x));
    f.listens.push({
      loc: at,
      via,
      server: id,
      host: v(host),
      defaultHost: spec.defaultHost,
      port: v(port),
      defaultPort: spec.defaultPort,
      underMain: underMain(node),
    });
  };
  const appFw = receiver?.type === 'identifier' ? ctx.apps.get(receiver.text) : undefined;
  if (method === 'run' && receiver && (appFw || (/^(app|application|server)$/.test(receiver.text) && !callee.startsWith('asyncio')))) {
    const via = `${receiver.text}.run`;
    // FastAPI and Starlette have no run(); uvicorn.run is the usual way.
    if (appFw === 'socketio') listen('socketio', via, arg(1, 'host'), arg(2, 'port'));
    else if (appFw !== 'uvicorn.run') listen(appFw ?? 'flask', via, arg(0, 'host'), arg(1, 'port'));
    readDebugKw(ctx, node, kwargs, at, via, appFw ?? 'flask');
    return true;
  }
  if (callee === 'uvicorn.run' || callee === 'hypercorn.run') {
    listen(callee, callee, kwargs.get('host'), kwargs.get('port'));
    if (isTrue(ctx, kwargs.get('reload'))) f.debugs.push({ loc: at, via: `${callee}(reload=True)`, kind: 'reload', underMain: underMain(node) });
    readDebugKw(ctx, node, kwargs, at, callee, callee);
    return true;
  }
  if (method === 'launch' && receiver && ctx.facts.imports.some((i) => i.module === 'gradio' || i.module.startsWith('gradio.'))) {
    // Gradio: demo.launch() listens on 127.0.0.1:7860 unless told otherwise.
    listen('gradio', `${receiver.text}.launch`, kwargs.get('server_name'), kwargs.get('server_port'));
    f.routes.push({ path: '/', loc: at });
    return true;
  }
  if (method === 'run_server' && receiver) {
    listen('dash', `${receiver.text}.run_server`, arg(0, 'host'), arg(1, 'port'));
    readDebugKw(ctx, node, kwargs, at, `${receiver.text}.run_server`, 'dash');
    return true;
  }
  if (/(^|\.)run_app$/.test(callee) && /aiohttp|web/.test(callee)) {
    listen('aiohttp', callee, kwargs.get('host'), kwargs.get('port'));
    return true;
  }
  if (callee === 'waitress.serve') {
    const l = kwargs.get('listen') ? resolve(ctx, kwargs.get('listen')) : undefined;
    if (l) {
      const m = l.kind === 'str' ? /^(.*):(\d+)$/.exec(l.s) : null;
      listen('waitress', callee, m ? str(m[1] === '*' ? '0.0.0.0' : m[1]!) : UNKNOWN, m ? { kind: 'num', n: Number(m[2]) } : UNKNOWN);
    } else {
      listen('waitress', callee, kwargs.get('host'), kwargs.get('port'));
    }
    return true;
  }
  if (/(^|\.)(HTTPServer|ThreadingHTTPServer|TCPServer|ThreadingTCPServer)$/.test(callee) && args[0]?.type === 'tuple') {
    const [h, p] = named(args[0]);
    listen('http.server', callee.split('.').pop()!, h, p);
    return true;
  }
  if (/(^|\.)make_server$/.test(callee) && callee.includes('wsgiref')) {
    listen('wsgiref', 'make_server', args[0], args[1]);
    return true;
  }

  return false;
}

/** Routes registered by call or decorator: add_url_rule, @app.get("/health"). */
function readRoute(ctx: Ctx, c: Call): void {
  const { node, callee, method, args, kwargs, at } = c;
  const f = ctx.facts;
  if (['add_url_rule', 'add_api_route', 'add_route'].includes(method) || /(^|\.)(Route|APIRoute)$/.test(callee)) {
    const p = resolve(ctx, args[0] ?? kwargs.get('rule') ?? kwargs.get('path'));
    if (p.kind === 'str' && p.s.startsWith('/')) f.routes.push({ path: p.s, loc: at });
  }
  if (ROUTE_METHODS.has(method) && node.parent?.type === 'decorator') {
    const p = resolve(ctx, args[0] ?? kwargs.get('rule') ?? kwargs.get('path'));
    if (p.kind === 'str' && p.s.startsWith('/')) f.routes.push({ path: p.s, loc: at });
  }
  // Flask-RESTful: api.add_resource(Health, "/health").
  if (method === 'add_resource') {
    const p = resolve(ctx, args[1]);
    if (p.kind === 'str' && p.s.startsWith('/')) f.routes.push({ path: p.s, loc: at });
  }
  // Django: path("health/", view), re_path(r"^health/$", view) in a urls.py (relative to the site's root).
  if (/^django\.urls\.(path|re_path)$|^django\.conf\.urls\.url$/.test(callee)) {
    const p = resolve(ctx, args[0] ?? kwargs.get('route'));
    if (p.kind === 'str' && !p.s.includes('{')) f.routes.push({ path: `/${p.s.replace(/^\^|\$$/g, '').replace(/^\//, '')}`, loc: at });
  }
}

/** Dapr's Python SDK: DaprClient().save_state("statestore", …), invoke_method("orders", …), @app.subscribe(pubsub=…). */
function readDaprSdk(ctx: Ctx, c: Call): void {
  const { method, kwargs, at, arg } = c;
  const f = ctx.facts;
  let api: 'state' | 'secrets' | 'publish' | 'bindings' | 'invoke' | undefined;
  let nameNode: Node | undefined;
  let keyNode: Node | undefined;
  if (STATE_SDK.has(method)) {
    api = 'state';
    nameNode = arg(0, 'store_name');
  } else if (method === 'get_secret' || method === 'get_bulk_secret') {
    api = 'secrets';
    nameNode = arg(0, 'store_name');
    keyNode = arg(1, 'key');
  } else if (method === 'publish_event') {
    api = 'publish';
    nameNode = arg(0, 'pubsub_name');
  } else if (method === 'invoke_binding') {
    api = 'bindings';
    nameNode = arg(0, 'binding_name');
  } else if (method === 'invoke_method') {
    api = 'invoke';
    nameNode = arg(0, 'app_id');
  }
  // @dapr_app.subscribe(pubsub='orderpubsub', topic='orders'), client.subscribe(pubsub_name=…)
  else if (method === 'subscribe' && (kwargs.has('pubsub') || kwargs.has('pubsub_name'))) {
    api = 'publish';
    nameNode = kwargs.get('pubsub') ?? kwargs.get('pubsub_name');
  }
  if (api) {
    const name = clusterName(resolve(ctx, nameNode));
    if (name) f.daprSdk.push({ loc: at, api, name, key: keyNode ? clusterName(resolve(ctx, keyNode)) : undefined, via: method });
  }
}

function val(ctx: Ctx, node: Node | undefined): Val | undefined {
  return node ? resolve(ctx, node) : undefined;
}

/** True in the cluster: a literal True, or an environment read whose default is True (nobody sets it there). */
function isTrue(ctx: Ctx, node: Node | undefined): boolean {
  let v = val(ctx, node);
  if (v?.kind === 'env') v = v.fallback;
  return (v?.kind === 'bool' && v.b) || (v?.kind === 'str' && /^(1|true|yes|on)$/i.test(v.s));
}

function readDebugKw(ctx: Ctx, node: Node, kwargs: Map<string, Node>, at: Loc, via: string, id: ServerId): void {
  if (!isTrue(ctx, kwargs.get('debug'))) return;
  // Flask's, Dash's and Socket.IO's development servers start Werkzeug's debugger with debug=True.
  const kind = server(id).devServer ? 'debugger' : 'debug-mode';
  ctx.facts.debugs.push({ loc: at, via: `${via}(debug=True)`, kind, server: id, underMain: underMain(node) });
}

/** Inside `if __name__ == "__main__":` — code that runs only when this file is the program started. */
function underMain(node: Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const cond = field(p, 'condition')?.text.replace(/\s+/g, '') ?? '';
    if (/^__name__==(['"])__main__\1$|^(['"])__main__\2==__name__$/.test(cond)) return true;
  }
  return false;
}

const OPEN_CALLS = new Set(['open', 'io.open', 'codecs.open', 'aiofiles.open', 'gzip.open', 'bz2.open', 'lzma.open']);
const PATH_WRITERS = new Set(['write_text', 'write_bytes', 'touch', 'mkdir']);
const FRAME_WRITERS = new Set(['to_csv', 'to_json', 'to_excel', 'to_parquet', 'to_pickle', 'to_feather', 'to_hdf', 'to_sql', 'savefig']);

/** Writes to the file system: open(…, "w"), Path.write_text, sqlite3.connect, FileHandler, to_csv… */
function readWrite(ctx: Ctx, c: Call): void {
  const { callee, method, receiver, args, kwargs, at } = c;
  const f = ctx.facts;
  const push = (via: string, p: Node | undefined): void => {
    if (p) f.writes.push({ loc: at, via, path: resolve(ctx, p) });
  };
  if (OPEN_CALLS.has(callee)) {
    const mode = resolve(ctx, args[1] ?? kwargs.get('mode'));
    if (mode.kind === 'str' && /[wax+]/.test(mode.s)) push(callee, args[0] ?? kwargs.get('file'));
    return;
  }
  if (method === 'open' && receiver && mode(ctx, args[0] ?? kwargs.get('mode'))) {
    // Path("x").open("w")
    f.writes.push({ loc: at, via: 'Path.open', path: resolve(ctx, receiver) });
    return;
  }
  if (PATH_WRITERS.has(method) && receiver) {
    const p = resolve(ctx, receiver);
    if (p.kind === 'str') f.writes.push({ loc: at, via: `Path.${method}`, path: p });
    return;
  }
  if (['os.makedirs', 'os.mkdir', 'os.mknod'].includes(callee)) return push(callee, args[0]);
  if (/^shutil\.(copy|copy2|copyfile|copytree|move)$/.test(callee)) return push(callee, args[1] ?? kwargs.get('dst'));
  if (callee === 'sqlite3.connect' || callee === 'aiosqlite.connect') {
    const p = resolve(ctx, args[0] ?? kwargs.get('database'));
    if (!(p.kind === 'str' && /^:memory:$|mode=memory/.test(p.s))) f.writes.push({ loc: at, via: callee, path: p });
    return;
  }
  if (/(^|\.)(FileHandler|RotatingFileHandler|TimedRotatingFileHandler|WatchedFileHandler)$/.test(callee))
    return push(callee, args[0] ?? kwargs.get('filename'));
  if (callee === 'logging.basicConfig' && kwargs.has('filename')) return push(callee, kwargs.get('filename'));
  if (FRAME_WRITERS.has(method) && (args[0] || kwargs.has('path_or_buf') || kwargs.has('fname'))) {
    const p = resolve(ctx, args[0] ?? kwargs.get('path_or_buf') ?? kwargs.get('fname'));
    if (p.kind === 'str') f.writes.push({ loc: at, via: `.${method}`, path: p });
    return;
  }
  if (/^(np|numpy)\.(save|savez|savetxt)$|^(joblib|torch)\.(dump|save)$/.test(callee)) {
    const p = resolve(ctx, callee.startsWith('np') || callee.startsWith('numpy') ? args[0] : args[1]);
    if (p.kind === 'str') f.writes.push({ loc: at, via: callee, path: p });
    return;
  }
  if (method === 'save' && args[0]) {
    // image.save("out.png"), workbook.save("report.xlsx"), file.save(os.path.join(UPLOADS, name))
    const p = resolve(ctx, args[0]);
    if (p.kind === 'str' && (/\.[A-Za-z0-9]{2,5}$/.test(p.s) || p.s.includes('/'))) f.writes.push({ loc: at, via: '.save', path: p });
    return;
  }
  if (/(^|\.)(TinyDB|shelve\.open|dbm\.open)$/.test(callee)) return push(callee, args[0]);
  if (/(^|\.)create_engine$/.test(callee)) {
    let url = resolve(ctx, args[0]);
    if (url.kind === 'env' && url.fallback) url = url.fallback;
    const m = url.kind === 'str' ? /^sqlite(?:\+\w+)?:\/\/\/(.+)$/.exec(url.s) : null;
    if (m && m[1] !== ':memory:') f.writes.push({ loc: at, via: 'create_engine', path: str(m[1]!) });
  }
}

function mode(ctx: Ctx, node: Node | undefined): boolean {
  const m = resolve(ctx, node);
  return m.kind === 'str' && /[wax+]/.test(m.s);
}

const isBuiltString = (n: Node): boolean => n.type === 'binary_operator' && ['+', '%'].includes(field(n, 'operator')?.text ?? '');
const isFormatCall = (n: Node): boolean => {
  const fn = n.type === 'call' ? field(n, 'function') : undefined;
  return fn?.type === 'attribute' && field(fn, 'attribute')?.text === 'format' && field(fn, 'object')?.type === 'string';
};

function readString(ctx: Ctx, node: Node): void {
  const parent = node.parent;
  if (!parent || parent.type === 'concatenated_string') return;
  // A part of a string built by + or %, or the template of "…".format(): read as the whole (above).
  if (node.type === 'string' && (isBuiltString(parent) || (parent.type === 'attribute' && parent.parent && isFormatCall(parent.parent)))) return;
  if (node.type !== 'string' && node.type !== 'concatenated_string') {
    const v = resolve(ctx, node);
    if (v.kind !== 'str' || !/[:/]/.test(v.s)) return;
  }
  // Docstrings and bare string statements are documentation.
  if (parent.type === 'expression_statement') return;
  const literal = node.type === 'string' && !stringPrefix(node).includes('f');
  const value = literal ? str(pythonStringValue(node)) : resolve(ctx, node);
  if (value.kind !== 'str' || value.s === '') return;
  const fact = { value: value.s, loc: loc(ctx, node), literal } as SourceFacts['strings'][number];
  let p: Node | null = parent;
  // ["http://localhost:3000"] passed as allow_origins=: the list's context is the string's.
  if (['list', 'tuple', 'set'].includes(p.type) && p.parent) p = p.parent;
  if (p.type === 'keyword_argument') {
    fact.key = field(p, 'name')?.text;
    p = p.parent;
  } else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
    fact.key = field(p, 'name')?.text;
  } else if (p.type === 'pair') {
    // {"dapr-app-id": "orders"}: the key names the value; it is not a value itself.
    if (field(p, 'key')?.equals(node)) return;
    fact.key = literalString(field(p, 'key')) ?? field(p, 'key')?.text;
  } else if (p.type === 'assignment') {
    fact.key = lastName(field(p, 'left'));
    fact.assigned = true;
  } else if (p.type === 'subscript') return; // d["KEY"], os.environ["X"]
  if (p?.type === 'argument_list' && p.parent?.type === 'call') {
    fact.callee = dotted(ctx, field(p.parent, 'function')) || field(p.parent, 'function')?.text;
    fact.forDisplay = isDisplayCall(fact.callee ?? '');
    // os.getenv("DAPR_HTTP_ENDPOINT", "http://localhost:3500"): the default is named by the variable.
    const first = named(p)[0];
    if (fact.callee && isEnvRead(ctx, fact.callee) && first && !first.equals(node)) fact.key ??= literalString(first);
  }
  ctx.facts.strings.push(fact);
  if (literal && fact.key && parent.type !== 'list' && (parent.type === 'keyword_argument' || parent.type === 'pair' || parent.type === 'assignment')) {
    ctx.facts.namedLiterals.push({ name: fact.key, value: value.s, loc: fact.loc });
  }
}

function lastName(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return field(node, 'attribute')?.text;
  if (node.type === 'subscript') return literalString(field(node, 'subscript'));
  return undefined;
}

function readComparison(ctx: Ctx, node: Node): void {
  // `if self.path == "/health"` or `if path in ("/health", "/healthz")`: a hand-written router.
  for (const c of named(node)) {
    const items = c.type === 'tuple' || c.type === 'list' || c.type === 'set' ? named(c) : [c];
    for (const i of items) {
      const s = literalString(i);
      if (s?.startsWith('/')) ctx.facts.routes.push({ path: s.split('?')[0]!, loc: loc(ctx, i) });
    }
  }
}

function readAssignment(ctx: Ctx, node: Node): void {
  const left = field(node, 'left');
  const right = field(node, 'right');
  if (!left || !right) return;
  const at = loc(ctx, node);
  let v = resolve(ctx, right);
  // DEBUG = env.bool("DEBUG", True): nobody sets it in the cluster, so the default is what runs.
  if (v.kind === 'env' && v.fallback && !PLATFORM_ENV.has(v.name)) v = v.fallback;
  const on = v.kind === 'bool' && v.b;
  if (!on) return;
  const target = left.text.replace(/\s+/g, '');
  if (
    (/^\w+\.debug$/.test(target) && ctx.apps.has(target.split('.')[0]!)) ||
    /^\w+\.config\[["']DEBUG["']\]$/.test(target) ||
    (target === 'DEBUG' && /(^|\/)settings\.py$/.test(ctx.facts.file))
  ) {
    const id = ctx.apps.get(target.split('.')[0]!);
    ctx.facts.debugs.push({
      loc: at,
      via: `${target} = True`,
      kind: 'debug-mode',
      server: target === 'DEBUG' ? 'django' : (id ?? 'flask'),
      underMain: underMain(node),
    });
  }
}

/** pydantic BaseSettings: each field is read from the environment variable of the same name. */
function readSettingsClass(ctx: Ctx, node: Node): void {
  const supers = field(node, 'superclasses')?.text ?? '';
  if (!/BaseSettings/.test(supers)) return;
  for (const stmt of named(field(node, 'body'))) {
    const a = stmt.type === 'expression_statement' ? named(stmt)[0] : undefined;
    if (a?.type !== 'assignment' || !field(a, 'type')) continue;
    const name = field(a, 'left')?.text;
    const d = field(a, 'right');
    if (name) ctx.facts.envReads.push({ name: name.toUpperCase(), loc: loc(ctx, a), hasDefault: !!d && d.type !== 'none' && literalString(d) !== '' });
  }
}
