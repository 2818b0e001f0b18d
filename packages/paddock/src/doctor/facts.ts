/**
 * What doctor learns from an app's source, independent of its language. The
 * language readers (python.ts, javascript.ts) produce these; the rules judge them.
 */

import type { ServerId } from './frameworks.js';
import { PLATFORM_ENV } from './names.js';

export type SourceLang = 'python' | 'node';

export interface Loc {
  /** Path relative to the scanned directory, with forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
}

/**
 * A value as far as it can be worked out statically. Strings built from parts
 * keep the unknown parts as `{?}` and environment reads as `{env:NAME}`, so a
 * URL such as f"http://localhost:{DAPR_PORT}/v1.0/state/{STORE}" still reads as
 * `http://localhost:{env:DAPR_HTTP_PORT}/v1.0/state/statestore`.
 */
export type Val =
  | { kind: 'str'; s: string }
  | { kind: 'num'; n: number }
  | { kind: 'bool'; b: boolean }
  | { kind: 'none' }
  | { kind: 'env'; name: string; fallback?: Val }
  | { kind: 'unknown' };

export const UNKNOWN: Val = { kind: 'unknown' };
export const str = (s: string): Val => ({ kind: 'str', s });

/**
 * The text a value contributes to a string it is interpolated into. A variable
 * the platform does not set reads as its fallback: that is its value in the cluster.
 */
export function valText(v: Val): string {
  switch (v.kind) {
    case 'str':
      return v.s;
    case 'num':
      return String(v.n);
    case 'bool':
      return String(v.b);
    case 'none':
      return '';
    case 'env':
      return v.fallback && !PLATFORM_ENV.has(v.name) ? valText(v.fallback) : `{env:${v.name}}`;
    case 'unknown':
      return '{?}';
  }
}

/** A name as the cluster sees it: a string known in full, or the default of a variable the platform does not set. */
export function clusterName(v: Val | undefined): string | undefined {
  if (v?.kind === 'env' && v.fallback && !PLATFORM_ENV.has(v.name)) return clusterName(v.fallback);
  return v?.kind === 'str' && v.s && !v.s.includes('{') ? v.s : undefined;
}

export interface StringFact {
  /** The string's value with unknown parts as `{?}` and env reads as `{env:NAME}`. */
  value: string;
  loc: Loc;
  /** The name the string is bound to: an assignment target, keyword argument, object key or dict key. */
  key?: string;
  /** The function the string is passed to (dotted, as written), if any. */
  callee?: string;
  /** True when passed to a logging/printing call: text for people, not an address the app uses. */
  forDisplay?: boolean;
  /** True when this was written as a plain literal (not built from parts). */
  literal: boolean;
  /** True when bound by an assignment (`HOST = "…"`), not passed to a call or put in a dict/object. */
  assigned?: boolean;
  /** For a host in an object (`{ host: 'localhost', port: … }`): the port beside it, as valText shows it. */
  port?: string;
}

interface EnvRead {
  name: string;
  loc: Loc;
  /** The read has a non-empty default (`os.getenv("X", "dev")`, `process.env.X || 'dev'`, a settings field `= …`). */
  hasDefault?: boolean;
}

export interface Listen {
  loc: Loc;
  /** What starts the server, for messages: `app.run`, `uvicorn.run`, `app.listen`… */
  via: string;
  /** Which server it is, in the shared table (frameworks.ts). */
  server: ServerId;
  /** Python: inside `if __name__ == "__main__":`, so it runs only when this file is what the image starts. */
  underMain?: boolean;
  /** The host it binds; undefined when the call does not say (then `defaultHost` applies). */
  host?: Val;
  defaultHost: string;
  port?: Val;
  defaultPort?: number;
}

interface Route {
  path: string;
  loc: Loc;
}

interface Write {
  loc: Loc;
  /** The call, as written: `open`, `fs.writeFileSync`… */
  via: string;
  path: Val;
}

/**
 * A development switch: `debugger` runs code for whoever reaches it (Werkzeug's
 * debugger), `debug-mode` shows source and settings in error pages, `inspector`
 * is Node's --inspect, `reload` a source watcher, `dev-server` a server meant
 * for development only, `stack-traces` error pages with stacks (NODE_ENV=development).
 */
export interface Debug {
  loc: Loc;
  /** The switch, as written: `app.run(debug=True)`, `ENV FLASK_DEBUG=1`, `nodemon`… */
  via: string;
  kind: 'debugger' | 'debug-mode' | 'inspector' | 'reload' | 'dev-server' | 'stack-traces';
  /** The server whose switch it is (Flask's debug mode is its debugger only under its own server). */
  server?: ServerId;
  underMain?: boolean;
}

interface ClientUse {
  loc: Loc;
  /** The library as imported: `redis`, `psycopg2`, `ioredis`… */
  module: string;
}

/** A Dapr call made through an SDK rather than a URL. */
interface DaprSdkUse {
  loc: Loc;
  api: 'state' | 'secrets' | 'publish' | 'bindings' | 'invoke';
  /** Component name, or app id for invoke. */
  name: string;
  /** For secrets: the key read. */
  key?: string;
  /** The call as written (`invoke_method`, `client.invoker.invoke`), for fixes that rewrite it. */
  via?: string;
}

/** A string literal bound to a name that sounds like a credential (`api_key = "…"`). */
interface NamedLiteral {
  name: string;
  value: string;
  loc: Loc;
}

export interface SourceFacts {
  file: string;
  lang: SourceLang;
  /** Test code: only the secret rules look at it. */
  isTest: boolean;
  imports: ClientUse[];
  strings: StringFact[];
  envReads: EnvRead[];
  dotenvLoads: Loc[];
  listens: Listen[];
  routes: Route[];
  writes: Write[];
  debugs: Debug[];
  daprSdk: DaprSdkUse[];
  namedLiterals: NamedLiteral[];
}

export function emptyFacts(file: string, lang: SourceLang, isTest: boolean): SourceFacts {
  return {
    file,
    lang,
    isTest,
    imports: [],
    strings: [],
    envReads: [],
    dotenvLoads: [],
    listens: [],
    routes: [],
    writes: [],
    debugs: [],
    daprSdk: [],
    namedLiterals: [],
  };
}
