/** The rules: judge what the readers found against the platform's conventions and the values file. */
import type { Finding } from '../report/finding.js';
import type { DockerfileFacts } from './dockerfile.js';
import { valText, type Debug, type Listen, type Loc, type SourceFacts, type SourceLang, type StringFact, type Val } from './facts.js';
import { healthFix, infraFix, invokeFix, listenFix, secretFix, stateFix } from './fixes.js';
import { BUILT_IN_ROUTES, DEBUG_ENV, server, serverLang } from './frameworks.js';
import { infraLib, isSecretName, secretKeyFor } from './names.js';
import { findToken, isPlaceholder, looksLikeSecretValue, redact, safeUrl, urlPassword } from './secrets.js';
import { isEntry, type StartCommand } from './start.js';
import type { AppValues } from './values.js';

export interface RuleInput {
  name: string;
  sources: SourceFacts[];
  /** The Dockerfile that builds the app's image (Dockerfile, else the first one found). */
  docker?: DockerfileFacts;
  /** Every other Dockerfile: judged for user, base image and secrets only. */
  otherDockerfiles?: DockerfileFacts[];
  /** What the image really starts (its CMD/ENTRYPOINT, through package.json scripts). */
  start?: StartCommand;
  values?: AppValues;
}

type DaprApi = 'state' | 'secrets' | 'publish' | 'bindings' | 'invoke';

export interface DaprUse {
  api: DaprApi;
  /** Component name, or app id (maybe `app.namespace`) for invoke. */
  name: string;
  key?: string;
  loc: Loc;
  lang: SourceLang;
  /** How the call names its target: a URL path, the dapr-app-id header, or an SDK call. */
  form: 'url' | 'header' | 'sdk';
  /** The string or call as written, for fixes that rewrite it. */
  raw: string;
}

const at = (loc: Loc): { file: string; line: number } => ({ file: loc.file, line: loc.line });
const DAPR_PATH = /(?:\/v1\.0(?:-alpha1|-beta1)?|\{\?\})\/(state|secrets|publish|bindings|invoke)\/([^/?#{}%\s"'`]+)(?:\/([^/?#{}%\s"'`]+))?/;

/** Every Dapr building block the code calls, by URL or SDK, with the component (or app) it names. */
export function daprUses(sources: SourceFacts[]): DaprUse[] {
  const out: DaprUse[] = [];
  const seen = new Set<string>();
  const add = (u: DaprUse): void => {
    const k = `${u.api}|${u.name}|${u.key ?? ''}|${u.loc.file}|${u.loc.line}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(u);
    }
  };
  for (const f of sources) {
    if (f.isTest) continue;
    const fileTalksDapr = f.strings.some((s) => /\/v1\.0/.test(s.value)) || f.envReads.some((e) => e.name.startsWith('DAPR_'));
    for (const s of f.strings) {
      if (s.forDisplay) continue;
      const m = DAPR_PATH.exec(s.value);
      if (m && (m[0].startsWith('/v1.0') || fileTalksDapr)) {
        const api = m[1] as DaprApi;
        add({ api, name: m[2]!, key: api === 'secrets' ? m[3] : undefined, loc: s.loc, lang: f.lang, form: 'url', raw: s.value });
      }
      // Programmatic subscriptions: [{ "pubsubname": "pubsub", "topic": "orders", "route": "…" }].
      if (s.key && /^pubsub_?name$/i.test(s.key) && /^[a-z0-9][a-z0-9.-]*$/i.test(s.value))
        add({ api: 'publish', name: s.value, loc: s.loc, lang: f.lang, form: 'url', raw: s.value });
      if (s.key && /^dapr-app-id$/i.test(s.key) && /^[a-z0-9][a-z0-9.-]*$/.test(s.value))
        add({ api: 'invoke', name: s.value, loc: s.loc, lang: f.lang, form: 'header', raw: s.value });
    }
    // headers.set('dapr-app-id', 'orders'), metadata=(('dapr-app-id', 'orders'),): the name, then the id, on one line.
    f.strings.forEach((s, i) => {
      const next = f.strings[i + 1];
      if (!s.key && /^dapr-app-id$/i.test(s.value) && next && next.loc.line === s.loc.line && /^[a-z0-9][a-z0-9.-]*$/.test(next.value)) {
        add({ api: 'invoke', name: next.value, loc: next.loc, lang: f.lang, form: 'header', raw: next.value });
      }
    });
    for (const u of f.daprSdk) add({ ...u, lang: f.lang, form: 'sdk', raw: u.via ?? '' });
  }
  return out;
}

export function runRules(input: RuleInput): Finding[] {
  const findings: Finding[] = [
    ...hardcodedSecrets(input),
    ...secretsFromEnv(input),
    ...dotenvLoads(input),
    ...infraClients(input),
    ...endpoints(input),
    ...listens(input),
    ...writes(input),
    ...debugs(input),
    ...imageRules(input),
    ...bareAppIds(input),
  ];
  if (input.values) {
    findings.push(...health(input, input.values), ...components(input, input.values), ...invocations(input, input.values));
  }
  return findings;
}

function code(input: RuleInput): SourceFacts[] {
  return input.sources.filter((f) => !f.isTest);
}

function hardcodedSecrets(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  const lines = new Set<string>();
  const push = (loc: Loc, message: string, fix: string, path?: string): void => {
    const k = `${loc.file}:${loc.line}`;
    if (lines.has(k)) return;
    lines.add(k);
    out.push({ rule: 'hardcoded-secret', severity: 'error', ...at(loc), path, message, fix });
  };
  for (const f of input.sources) {
    for (const s of f.strings) {
      const token = findToken(s.value);
      if (token) {
        const key = s.key && /^[A-Za-z_][\w-]*$/.test(s.key) ? secretKeyFor(s.key) : 'api-key';
        push(
          s.loc,
          `The code contains ${token.what} (${token.shown}). Anyone who can read the code or pull the image can use it.`,
          `Revoke it, store it in the platform's secret store as \`${key}\` (values.yaml: secretstore.keys), and read it at run time: ${secretFix(f.lang, key)}.`,
        );
        continue;
      }
      const pw = urlPassword(s.value);
      if (pw) {
        push(
          s.loc,
          `The address ${safeUrl(s.value)} contains a password (…(redacted)). Anyone who can read the code or the image can use it.`,
          'Remove the password from the code and the address; keep it in the secret store and read it through Dapr (or better, use the platform building block instead of connecting yourself).',
        );
      }
    }
    for (const n of f.namedLiterals) {
      if (!isSecretName(n.name) || !looksLikeSecretValue(n.value)) continue;
      const key = secretKeyFor(n.name);
      push(
        n.loc,
        `\`${n.name}\` is set to a secret written in the code (${redact(n.value)}). Anyone who can read the code or pull the image can use it.`,
        `Revoke it, store it in the platform's secret store as \`${key}\` (values.yaml: secretstore.keys: [${key}]), and read it at run time: ${secretFix(f.lang, key)}.`,
        n.name,
      );
    }
  }
  return out;
}

function secretsFromEnv(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  const viaDapr = daprUses(input.sources).some((u) => u.api === 'secrets');
  const seen = new Set<string>();
  for (const f of code(input)) {
    for (const e of f.envReads) {
      if (!isSecretName(e.name) || seen.has(`${f.file}|${e.name}`)) continue;
      seen.add(`${f.file}|${e.name}`);
      const key = secretKeyFor(e.name);
      const enable = input.values && !input.values.secretstore ? ' and set `secretstore: { enabled: true }`' : '';
      out.push({
        rule: 'secret-from-env',
        severity: viaDapr || e.hasDefault ? 'warning' : 'error',
        ...at(e.loc),
        path: e.name,
        message: viaDapr
          ? `The app reads ${e.name} from the environment as well as from the secret store. In the cluster that variable is never set; only the secret store has it.`
          : e.hasDefault
            ? `The app reads the secret ${e.name} from an environment variable, with a default. In the cluster the platform does not put secrets into the environment, so the default is what runs there.`
            : `The app reads the secret ${e.name} from an environment variable. In the cluster the platform does not put secrets into the environment, so it will be empty there.`,
        fix: `Add \`${key}\` to secretstore.keys in values.yaml${enable}, and read it from Dapr: ${secretFix(f.lang, key)}.`,
      });
    }
  }
  return out;
}

function dotenvLoads(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  for (const f of code(input)) {
    const first = f.dotenvLoads[0];
    if (!first) continue;
    out.push({
      rule: 'dotenv-file',
      severity: 'warning',
      ...at(first),
      message:
        'The app loads a .env file. In the cluster there is none (and there must not be: it would hold secrets), so everything it sets is missing there.',
      fix:
        f.lang === 'python'
          ? 'Remove load_dotenv(); keep secrets in the secret store (read through Dapr) and give settings defaults in code.'
          : "Remove dotenv ('dotenv/config', dotenv.config()); keep secrets in the secret store (read through Dapr) and give settings defaults in code.",
    });
  }
  return out;
}

function infraClients(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  for (const f of code(input)) {
    const seen = new Set<string>();
    for (const imp of f.imports) {
      const lib = infraLib(imp.module, f.lang);
      if (!lib || seen.has(lib.name)) continue;
      seen.add(lib.name);
      out.push({
        rule: 'direct-infra-client',
        severity: 'error',
        ...at(imp.loc),
        path: imp.module,
        message: `The app talks to ${lib.name} directly (${f.lang === 'python' ? 'import' : 'module'} \`${imp.module}\`). In the cluster the network only lets the app reach its Dapr sidecar, so the connection fails, and the platform's ${lib.name === 'Redis' ? 'Redis' : 'backends'} ${lib.name === 'Redis' ? 'only accepts' : 'only accept'} Dapr.`,
        fix: infraFix(lib.kind, f.lang),
      });
    }
  }
  return out;
}

const HTTP_CALL =
  /^(requests|httpx|aiohttp|urllib\.request|urllib3|axios|got|superagent|needle|ky|node-fetch|undici)(\.|$)|(^|\.)(urlopen|fetch|request)$|^fetch$|^(session|client|http)\.(get|post|put|patch|delete|request)$/;
const INFRA_PORTS = new Set(['6379', '5432', '3306', '27017', '9092', '5672', '8200', '11211', '4222', '9200', '1433', '1521', '2181', '15672', '6380']);
const DB_SCHEMES = /^(redis|rediss|postgres|postgresql|mysql|mariadb|mongodb|mongodb\+srv|amqp|amqps|kafka|nats|mqtt|memcached|cassandra|neo4j|bolt)(\+\w+)?$/;

interface UrlParts {
  scheme?: string;
  host: string;
  port?: string;
  path: string;
}

function parseAddress(v: string): UrlParts | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?(\[[^\]]+\]|[^:/?#\s]+)(?::([^/?#\s]+))?([^\s]*)$/i.exec(v);
  if (m) return { scheme: m[1]!.toLowerCase(), host: m[2]!.toLowerCase(), port: m[3], path: m[4] ?? '' };
  const hp = /^(localhost|\d{1,3}(?:\.\d{1,3}){3}|[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):(\d{2,5}|\{[^}]+\})$/i.exec(v);
  if (hp) return { host: hp[1]!.toLowerCase(), port: hp[2], path: '' };
  return undefined;
}

const isLoopback = (h: string): boolean => h === 'localhost' || /^127\./.test(h) || h === '[::1]' || h === '0.0.0.0';
const isPrivate = (h: string): boolean => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)/.test(h);
const isClusterName = (h: string): boolean => /\.(svc|svc\.cluster\.local|cluster\.local|internal|local|lan)$/.test(h);
const isBareName = (h: string): boolean => /^[a-z][a-z0-9-]*$/.test(h) && h !== 'localhost';

type EndpointFinding = Omit<Finding, 'rule' | 'file' | 'line'>;

function endpoints(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  const ownPort = String(input.values ? (input.values.port ?? 'none') : 8080);
  for (const f of code(input)) {
    const seen = new Set<string>();
    const said = { dapr3500: false };
    for (const s of f.strings) {
      if (s.forDisplay) continue;
      const callee = s.callee ?? '';
      if (/(^|\.)(run|listen|serve|run_app|bind|launch)$/.test(callee)) continue;
      // Browser-facing settings name addresses the app is called from, not ones it connects to.
      if (
        /cors|origin|redirect|callback|allowed_?hosts|trusted|csrf|referer|return_?url|success_?url|cancel_?url|base_?url_?public/i.test(
          `${s.key ?? ''} ${callee}`,
        )
      )
        continue;
      const u = parseAddress(s.value.trim());
      const finding = u ? addressFinding(u, s, f, ownPort, said) : hostSettingFinding(s, f, ownPort);
      if (!finding) continue;
      const k = `${s.loc.line}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ rule: 'hardcoded-endpoint', ...at(s.loc), ...finding } as Finding);
    }
  }
  return out;
}

/** An address the code connects to: Dapr's written-out port, a database, a host closed to the app, the internet. */
function addressFinding(u: UrlParts, s: StringFact, f: SourceFacts, ownPort: string, said: { dapr3500: boolean }): EndpointFinding | undefined {
  const callee = s.callee ?? '';
  let finding: EndpointFinding | undefined;
  const shown = safeUrl(s.value.trim());
  const daprPort = ['{env:DAPR_HTTP_PORT}', '{env:DAPR_GRPC_PORT}', '3500', '3501', '50001'].includes(u.port ?? '');
  if (isLoopback(u.host) && (daprPort || /dapr/i.test(`${s.key ?? ''} ${callee}`) || (u.port?.startsWith('{') && u.path.startsWith('/v1.0')))) {
    // A Dapr address with the port written out: a /v1.0 URL, or the default of a Dapr setting (DAPR_HTTP_ENDPOINT).
    if (u.port === '3500' && !said.dapr3500 && (u.path.startsWith('/v1.0') || /dapr/i.test(s.key ?? ''))) {
      said.dapr3500 = true;
      finding = {
        severity: 'warning',
        message: `The address ${shown} writes Dapr's port as 3500. It is 3500 in the cluster, but \`paddock dev\` and other setups give the sidecar another port.`,
        fix:
          f.lang === 'python'
            ? "Build it from the environment: f\"http://localhost:{os.environ.get('DAPR_HTTP_PORT', '3500')}/v1.0/…\""
            : 'Build it from the environment: `http://localhost:${process.env.DAPR_HTTP_PORT ?? 3500}/v1.0/…`',
      };
    }
  } else if (isLoopback(u.host) && (u.port === '{env:PORT}' || u.port === ownPort)) {
    // The app calling itself.
  } else if (isLoopback(u.host) && !u.port && !u.path.replace(/\/$/, '')) {
    // "http://localhost" alone is a base that a port is added to (often Dapr's, from DAPR_HTTP_PORT): not enough to judge.
  } else if (u.scheme && DB_SCHEMES.test(u.scheme)) {
    finding = {
      severity: 'error',
      message: `The app connects to ${shown} itself. In the cluster the network lets the app reach only its Dapr sidecar, so this address is unreachable there.`,
      fix: infraFix(
        /^(amqp|kafka|nats|mqtt)/.test(u.scheme) ? 'pubsub' : /^(postgres|mysql|mariadb|cassandra|neo4j|bolt)/.test(u.scheme) ? 'db' : 'state',
        f.lang,
      ),
    };
  } else if (
    isLoopback(u.host) ||
    isPrivate(u.host) ||
    isClusterName(u.host) ||
    (isBareName(u.host) && (u.scheme !== undefined || INFRA_PORTS.has(u.port ?? '')))
  ) {
    const appGuess = isBareName(u.host) && !INFRA_PORTS.has(u.port ?? '') ? u.host.replace(/-service$|-svc$/, '') : undefined;
    finding = {
      severity: 'error',
      message: `The app calls ${shown} directly. In the cluster that host${isLoopback(u.host) ? " is the app's own pod" : ' does not exist or is closed to the app'}: the network lets the app reach only its Dapr sidecar.`,
      fix: appGuess
        ? `If ${appGuess} is another app on the platform, call it through Dapr: ${invokeFix(f.lang, appGuess)}, and add \`${appGuess}-ns\` to networkPolicy.allowEgressTo.`
        : INFRA_PORTS.has(u.port ?? '')
          ? infraFix(
              u.port === '5432' || u.port === '3306' ? 'db' : u.port === '9092' || u.port === '5672' ? 'pubsub' : u.port === '8200' ? 'secrets' : 'state',
              f.lang,
            )
          : 'Call other apps through Dapr service invocation (/v1.0/invoke/<app>.<app>-ns/method/…) and data services through the building blocks (state, secrets, pub/sub).',
    };
  } else if ((u.scheme === 'http' || u.scheme === 'https') && HTTP_CALL.test(callee) && !isBareName(u.host)) {
    finding = {
      severity: 'warning',
      message: `The app calls ${shown} on the internet directly. The cluster's network is closed to the internet unless the app enables the binding building block.`,
      fix: `Send it through a Dapr output binding: set \`binding: { enabled: true, name: <name>, url: ${u.scheme}://${u.host}${u.port ? `:${u.port}` : ''}${u.path.replace(/\{[^}]*\}.*$/, '')} }\` in values.yaml and POST to /v1.0/bindings/<name> (operation "post").`,
    };
  }
  return finding;
}

/** A host setting (host=, REDIS_HOST, dbHost) naming a host the app cannot reach in the cluster. */
function hostSettingFinding(s: StringFact, f: SourceFacts, ownPort: string): EndpointFinding | undefined {
  const callee = s.callee ?? '';
  if (
    !(
      s.key &&
      (/^(host|hostname|server|address|endpoint)$|_host$/i.test(s.key) || /[a-z0-9]Host$/.test(s.key)) &&
      !/dapr|debug|inspect/i.test(`${s.key} ${callee}`) &&
      // HOST = "localhost" is usually where the app's own server binds: binds-localhost judges that.
      !(s.assigned && /^(host|hostname|server|address|bind_?host|listen_?host|server_?host)$/i.test(s.key))
    )
  )
    return undefined;
  const h = s.value.trim().toLowerCase();
  // { host: 'localhost', port: process.env.PORT }: the app calling itself (a health-check script).
  const self = isLoopback(h) && (s.port === '{env:PORT}' || s.port === ownPort);
  if (
    !self &&
    (isLoopback(h) ||
      isPrivate(h) ||
      isClusterName(h) ||
      /^(redis|postgres|postgresql|db|database|mysql|mongo|mongodb|rabbitmq|kafka|vault|memcached|elasticsearch)$/.test(h))
  ) {
    return {
      severity: 'error',
      message: `The app connects to host "${s.value}" itself (${s.key}=). In the cluster the network lets the app reach only its Dapr sidecar, so nothing answers there.`,
      fix: infraFix(/postgres|db|database|mysql/.test(h) ? 'db' : /rabbit|kafka/.test(h) ? 'pubsub' : /vault/.test(h) ? 'secrets' : 'state', f.lang),
    };
  }
  return undefined;
}

/**
 * Does code found in file `f` run? Module-level code does; code under
 * `if __name__ == "__main__"` only when that file is what the image starts
 * (or, with no start command known at all, when it would be `python <file>`).
 */
function runs(input: RuleInput, f: SourceFacts, underMain: boolean | undefined): boolean {
  if (!underMain) return true;
  if (!input.start) return true;
  return input.start.runs?.lang === f.lang && isEntry(f.file, input.start.runs);
}

/** The servers that actually run: the start command's own server wins over servers started in that language's code. */
export function effectiveListens(input: RuleInput): { listen: Listen; lang: SourceLang }[] {
  const out: { listen: Listen; lang: SourceLang }[] = [];
  const own = input.start?.listen;
  if (own) out.push({ listen: own, lang: serverLang(own.server) });
  for (const f of code(input)) {
    if (own && serverLang(own.server) === f.lang) continue;
    for (const l of f.listens) if (runs(input, f, l.underMain)) out.push({ listen: l, lang: f.lang });
  }
  return out;
}

/** The value a setting has in the cluster: PORT is set by the chart; other variables fall back to their default. */
function inCluster(v: Val | undefined, port: number): Val | undefined {
  if (!v) return undefined;
  if (v.kind === 'env') {
    if (v.name === 'PORT') return { kind: 'num', n: port };
    return v.fallback && v.fallback.kind !== 'env' ? v.fallback : v.fallback ? inCluster(v.fallback, port) : undefined;
  }
  if (v.kind === 'str' && v.s.includes('{')) return undefined;
  return v;
}

function listens(input: RuleInput): Finding[] {
  if (input.values && input.values.port === undefined) return workerListens(input, input.values);
  const out: Finding[] = [];
  const port = input.values?.port ?? 8080;
  for (const { listen, lang } of effectiveListens(input)) {
    const host = listen.host === undefined ? ({ kind: 'str', s: listen.defaultHost } as Val) : inCluster(listen.host, port);
    const h = host?.kind === 'str' ? host.s.toLowerCase() : undefined;
    if (h === '127.0.0.1' || h === 'localhost' || h === '::1') {
      out.push({
        rule: 'binds-localhost',
        severity: 'error',
        ...at(listen.loc),
        message:
          listen.host === undefined
            ? `${listen.via} listens on ${listen.defaultHost} by default (only inside its own container), so the platform's health checks and other apps cannot reach it.`
            : `${listen.via} listens on ${valText(listen.host)}, which is reachable only from inside the container, so the platform's health checks and other apps cannot reach it.`,
        fix: listenFix(lang, listen.via),
      });
    }
    if (!input.values) continue;
    const p =
      listen.port === undefined
        ? listen.defaultPort !== undefined
          ? ({ kind: 'num', n: listen.defaultPort } as Val)
          : undefined
        : inCluster(listen.port, port);
    const n = p?.kind === 'num' ? p.n : p?.kind === 'str' && /^\d+$/.test(p.s) ? Number(p.s) : undefined;
    if (n !== undefined && n !== port) {
      out.push({
        rule: 'port-mismatch',
        severity: 'error',
        ...at(listen.loc),
        path: 'port',
        message: `${listen.via} listens on port ${n}${listen.port === undefined ? ' (its default)' : ''}, but ${input.values.file} says \`port: ${port}\`. The platform sends traffic and health checks to ${port}, so the app looks dead.`,
        fix:
          lang === 'python' && !/gunicorn|uvicorn|flask run|hypercorn|waitress/.test(listen.via)
            ? `Listen on the port the platform gives you: port=int(os.environ.get("PORT", ${port})) — or set \`port: ${n}\` in ${input.values.file}.`
            : lang === 'node'
              ? `Listen on the port the platform gives you: Number(process.env.PORT ?? ${port}) — or set \`port: ${n}\` in ${input.values.file}.`
              : `Use port ${port} in the start command (or set \`port: ${n}\` in ${input.values.file}).`,
      });
    }
  }
  if (input.values && input.docker) {
    // Extra ports (a debugger's 9229) beside the app's own are not a mismatch.
    const exposesPort = input.docker.expose.some((e) => e.port === port);
    for (const e of input.docker.expose) {
      if (e.port !== port && !exposesPort) {
        out.push({
          rule: 'port-mismatch',
          severity: 'warning',
          file: input.docker.file,
          line: e.line,
          path: 'port',
          message: `The Dockerfile says EXPOSE ${e.port}, but ${input.values.file} says \`port: ${port}\`.`,
          fix: `Make them agree: EXPOSE ${port}, or \`port: ${e.port}\` if that is where the app listens.`,
        });
      }
    }
  }
  return out;
}

/** A worker (`port: none`) that starts a web server anyway: nothing can reach it, and the platform does not wait for it. */
function workerListens(input: RuleInput, values: AppValues): Finding[] {
  const first = effectiveListens(input)[0];
  if (!first) return [];
  return [
    {
      rule: 'port-mismatch',
      severity: 'warning',
      ...at(first.listen.loc),
      path: 'port',
      message: `${first.listen.via} starts a web server, but ${values.file} says \`port: none\` (a worker). On the platform nothing can reach it: no Service, no caller, no pub/sub delivery to it.`,
      fix: `If the app answers web requests, set \`port:\` to the port it listens on in ${values.file}; if it does not, remove the server.`,
    },
  ];
}

/** Where a write lands in the cluster: ok (/tmp), outside (fails), or unknown. */
function writeTarget(v: Val): { outside: boolean; shown: string } | undefined {
  let p: Val | undefined = v;
  if (p.kind === 'env') p = p.fallback;
  if (p?.kind !== 'str') return undefined;
  const s = p.s.trim();
  if (!s || s.startsWith('{?}') || s.startsWith('{env:')) return undefined;
  if (/^\/tmp(\/|$)|^\/dev\/(stdout|stderr|null)$|^\/proc\//.test(s)) return { outside: false, shown: s };
  if (s.startsWith('{appdir}')) return { outside: true, shown: s.replace(/^\{appdir\}\/?/, '') || 'the app folder' };
  return { outside: true, shown: s };
}

function writes(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  for (const f of code(input)) {
    const seen = new Set<number>();
    for (const w of f.writes) {
      const t = writeTarget(w.path);
      if (!t?.outside || seen.has(w.loc.line)) continue;
      seen.add(w.loc.line);
      const name = t.shown.replace(/\{[^}]*\}/g, '…');
      const isDb = /sqlite|Database|create_engine|TinyDB|shelve|dbm|JSONFile|Low/.test(w.via);
      out.push({
        rule: 'writes-outside-tmp',
        severity: 'error',
        ...at(w.loc),
        path: name,
        message: `${w.via} writes ${name.startsWith('/') ? name : `"${name}" next to the code`}. In the cluster the app's file system is read-only except /tmp, so this fails${isDb ? '' : ''}; and even /tmp is wiped when the app restarts.`,
        fix: `To keep data across restarts use the state store: ${stateFix(f.lang)} (values.yaml: \`statestore: { enabled: true }\`). For scratch files write under /tmp: ${f.lang === 'python' ? `os.path.join(tempfile.gettempdir(), "${name.split('/').pop()}")` : `path.join(os.tmpdir(), '${name.split('/').pop()}')`}.`,
      });
    }
  }
  return out;
}

const FLASK_FAMILY = new Set(['flask', 'quart', 'socketio', 'dash', 'bottle', 'flask run']);

/** Severity and sentences for each development switch that runs in the image. */
function debugs(input: RuleInput): Finding[] {
  const running = effectiveListens(input).map((l) => l.listen.server);
  const devServer = running.some((id) => server(id).devServer);
  const found: Debug[] = [...code(input).flatMap((f) => f.debugs.filter((d) => runs(input, f, d.underMain))), ...(input.start?.debugs ?? [])];
  const d = input.docker;
  if (d) {
    for (const [k, v] of d.env) {
      const sw = DEBUG_ENV[k];
      if (!sw?.on.test(v)) continue;
      const line = d.envLines.get(k) ?? d.finalLine;
      const loc = { file: d.file, line };
      if (k === 'NODE_ENV') found.push({ loc, via: `ENV ${k}=${v}`, kind: 'stack-traces' });
      else if (k === 'FLASK_ENV') found.push({ loc, via: `ENV ${k}=${v}`, kind: 'reload' });
      else found.push({ loc, via: `ENV ${k}=${v}`, kind: 'debug-mode', server: running.find((id) => FLASK_FAMILY.has(id)) ?? 'flask' });
    }
  }
  return found.map((x) => judgeDebug(x, devServer, running));
}

function judgeDebug(d: Debug, devServer: boolean, running: string[]): Finding {
  const base = { rule: 'debug-server', ...at(d.loc) };
  const off = /^ENV /.test(d.via)
    ? `Remove ${d.via.split('=')[0]} from the Dockerfile.`
    : d.via.includes('(debug=True)')
      ? 'Remove debug=True (or read it from an environment variable that defaults to off).'
      : 'Remove the line, or read it from an environment variable that defaults to off.';
  switch (d.kind) {
    case 'debugger':
      return {
        ...base,
        severity: 'error',
        message: `${d.via} starts Werkzeug's interactive debugger: anyone who can reach the app can run code in it, and errors show your source to visitors.`,
        fix: d.via.startsWith('flask run')
          ? 'Remove --debug; better, start the app with gunicorn: CMD ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"].'
          : off,
      };
    case 'inspector':
      return {
        ...base,
        severity: 'error',
        message: `${d.via} opens the Node.js debugger: whoever reaches it can run code in the app.`,
        fix: `Remove ${d.via.replace(/^NODE_OPTIONS=/, '')} from the start command${d.loc.file.endsWith('package.json') ? ' (keep it in a separate "debug" script if you need it)' : ''}.`,
      };
    case 'debug-mode': {
      const django = d.server === 'django';
      // Flask's debug mode is its debugger only under Flask's own server; under gunicorn it changes error handling.
      const debuggerRuns = !django && devServer && running.some((id) => FLASK_FAMILY.has(id));
      return {
        ...base,
        severity: django || debuggerRuns ? 'error' : 'warning',
        message: django
          ? `${d.via} turns on debug mode: errors show your source code and settings to visitors.`
          : debuggerRuns
            ? `${d.via} turns on Flask's debug mode under its development server, which starts the interactive debugger: anyone who can reach the app can run code in it.`
            : `${d.via} turns on debug mode. The image starts ${running[0] ?? 'another server'}, not Flask's development server, so there is no debugger, but debug mode is still meant for development only.`,
        fix: off,
      };
    }
    case 'reload':
      return {
        ...base,
        severity: 'warning',
        message: `${d.via} ${d.via.startsWith('ENV FLASK_ENV') ? "was Flask's development mode (debugger and reloader before Flask 2.3)" : 'watches the source and restarts the app: a development tool'}.`,
        fix: /nodemon|node-dev/.test(d.via)
          ? 'Start the app with node directly: "start": "node server.js" (keep nodemon in a "dev" script).'
          : d.via === 'fastapi dev'
            ? 'Use `fastapi run` instead.'
            : d.via.startsWith('ENV')
              ? off
              : d.via.includes('(reload=True)')
                ? 'Remove reload=True; the platform restarts the app when you deploy a new image.'
                : 'Remove --reload from the start command.',
      };
    case 'dev-server':
      return {
        ...base,
        severity: 'warning',
        message: `${d.via} is a development server, not meant for production${d.via.includes('manage.py') ? ' (and shows debug pages when DEBUG is on)' : ''}.`,
        fix: d.via.includes('manage.py')
          ? 'Start the app with gunicorn: CMD ["gunicorn", "--bind", "0.0.0.0:8080", "mysite.wsgi"].'
          : 'Build the app and start it with `next start`.',
      };
    case 'stack-traces':
      return { ...base, severity: 'warning', message: `${d.via} makes Express show stack traces to visitors.`, fix: 'Use ENV NODE_ENV=production.' };
  }
}

/** Next.js file-system routes: pages/api/health.ts → /api/health, app/health/route.ts → /health. */
function fileRoute(file: string): string | undefined {
  const pages = /(?:^|\/)pages\/(api\/.+?)(?:\/index)?\.(?:[mc]?[jt]sx?)$/.exec(file);
  if (pages) return `/${pages[1]}`;
  const app = /(?:^|\/)app\/(?:(.+)\/)?route\.(?:[mc]?[jt]s)$/.exec(file);
  if (app)
    return `/${(app[1] ?? '')
      .split('/')
      .filter((seg) => !/^\(.*\)$/.test(seg))
      .join('/')}`;
  return undefined;
}

const HEALTHY = /^\/(_stcore\/health|healthz?|health-?check|ping|status|ready|readyz|live|livez|liveness|readiness|_health|api\/health)\/?$/;

function health(input: RuleInput, values: AppValues): Finding[] {
  const files = code(input);
  if (!files.length) return [];
  return values.health.flatMap((h) => healthPathAnswered(input, files, values, h));
}

function healthPathAnswered(input: RuleInput, files: ReturnType<typeof code>, values: AppValues, h: AppValues['health'][number]): Finding[] {
  const want = h.path.replace(/\/+$/, '') || '/';
  const routes = [
    ...files.flatMap((f) => f.routes.map((r) => ({ ...r, lang: f.lang }))),
    ...files.flatMap((f) => {
      const p = fileRoute(f.file);
      return p ? [{ path: p, loc: { file: f.file, line: 1 }, lang: f.lang }] : [];
    }),
    ...effectiveListens(input).flatMap((l) => (BUILT_IN_ROUTES[l.listen.server] ?? []).map((p) => ({ path: p, loc: l.listen.loc, lang: l.lang }))),
  ];
  if (routes.some((r) => (r.path.replace(/\/+$/, '') || '/') === want)) return [];
  const listen = effectiveListens(input).find((l) => !l.listen.loc.file.toLowerCase().includes('dockerfile')) ?? effectiveListens(input)[0];
  const first = listen?.listen.loc ?? routes[0]?.loc ?? { file: files[0]!.file, line: 1 };
  const lang = listen?.lang ?? routes[0]?.lang ?? files[0]!.lang;
  const other = routes.find((r) => HEALTHY.test(r.path));
  const plainHttp = files.some((f) => f.listens.some((l) => /HTTPServer|TCPServer|make_server/.test(l.via)))
    ? 'http.server'
    : files.some((f) => f.imports.some((i) => /^(node:)?https?$/.test(i.module)) && !f.imports.some((i) => /^(express|fastify|koa|hono)/.test(i.module)))
      ? 'http'
      : 'framework';
  const what = h.field === 'healthPath' ? 'the health path' : 'the liveness path';
  const drop = h.field === 'healthPath' ? ' Or remove healthPath: the platform then checks that the app accepts connections on its port.' : '';
  return [
    {
      rule: 'missing-health-endpoint',
      severity: 'error',
      ...at(first),
      path: h.field,
      message: other
        ? `No route answers ${h.path}, ${what} in ${values.file}; the app serves ${other.path} instead. The platform restarts an app whose ${h.field === 'healthPath' ? 'health' : 'liveness'} path does not answer.`
        : `No route answers ${h.path}, ${what} in ${values.file}. The platform checks it to know the app is alive and restarts the app when it does not answer.`,
      fix: other
        ? `Set \`${h.field}: ${other.path.replace(/\/+$/, '')}\` in ${values.file}, or add ${h.path}. ${healthFix(lang, h.path, plainHttp)}`
        : `${healthFix(lang, h.path, plainHttp)}${drop}`,
    },
  ];
}

const BLOCK: Record<Exclude<DaprApi, 'invoke'>, { block: string; what: string; component: string }> = {
  state: { block: 'statestore', what: 'state store', component: 'statestore' },
  secrets: { block: 'secretstore', what: 'secret store', component: 'secretstore' },
  publish: { block: 'pubsub', what: 'pub/sub', component: 'pubsub' },
  bindings: { block: 'binding', what: 'binding', component: 'binding.name' },
};

function components(input: RuleInput, values: AppValues): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const u of daprUses(input.sources)) {
    if (u.api === 'invoke') continue;
    const b = BLOCK[u.api];
    const enabled =
      u.api === 'state' ? values.statestore : u.api === 'secrets' ? values.secretstore : u.api === 'publish' ? values.pubsub : values.binding !== undefined;
    const expected = u.api === 'bindings' ? values.binding : b.component;
    const k = `${u.api}|${u.name}|${u.loc.file}`;
    if (enabled && u.name === expected) {
      if (u.api === 'secrets' && u.key && values.secretKeys.length && !values.secretKeys.includes(u.key) && !seen.has(`${k}|${u.key}`)) {
        seen.add(`${k}|${u.key}`);
        out.push({
          rule: 'unknown-component',
          severity: 'error',
          ...at(u.loc),
          path: 'secretstore.keys',
          message: `The app reads the secret "${u.key}", but ${values.file} lists only ${values.secretKeys.map((x) => `"${x}"`).join(', ')} in secretstore.keys, so the secret store refuses it.`,
          fix: `Add "${u.key}" to secretstore.keys in ${values.file} (and store the secret under that name).`,
        });
      }
      continue;
    }
    if (seen.has(k)) continue;
    seen.add(k);
    if (u.name === expected || (u.api !== 'bindings' && u.name === b.component)) {
      out.push({
        rule: 'unknown-component',
        severity: 'error',
        ...at(u.loc),
        path: `${b.block}.enabled`,
        message: `The app calls the ${b.what} "${u.name}", but ${values.file} does not enable ${b.block}, so the platform creates no such component and the call fails.`,
        fix:
          u.api === 'bindings'
            ? `Set \`binding: { enabled: true, name: ${u.name}, url: https://… }\` in ${values.file}.`
            : `Set \`${b.block}: { enabled: true }\` in ${values.file}.`,
      });
    } else if (u.api === 'bindings') {
      out.push({
        rule: 'unknown-component',
        severity: 'error',
        ...at(u.loc),
        path: 'binding.name',
        message: `The app calls the binding "${u.name}", but ${values.file} ${values.binding ? `names its binding "${values.binding}"` : 'enables no binding'}.`,
        fix: values.binding
          ? `Call /v1.0/bindings/${values.binding}, or set \`binding.name: ${u.name}\` in ${values.file}.`
          : `Set \`binding: { enabled: true, name: ${u.name}, url: https://… }\` in ${values.file}.`,
      });
    } else {
      out.push({
        rule: 'unknown-component',
        severity: 'error',
        ...at(u.loc),
        path: b.block,
        message: `The app calls the ${b.what} "${u.name}", but on the platform it is named "${b.component}"${enabled ? '' : ` (and ${values.file} does not enable ${b.block})`}. No component "${u.name}" exists, so the call fails.`,
        fix: `Use "${b.component}" in the code (${u.api === 'state' ? '/v1.0/state/statestore' : u.api === 'secrets' ? '/v1.0/secrets/secretstore/<key>' : '/v1.0/publish/pubsub/<topic>'})${enabled ? '' : ` and set \`${b.block}: { enabled: true }\` in ${values.file}`}.`,
      });
    }
  }
  return out;
}

/** `orders` → `orders-ns`: every app lives in its own namespace, named after it (the contract's rule). */
const namespaceOf = (app: string): string => `${app}-ns`;

/** The call rewritten to name the target's namespace, exactly as the author would write it. */
function rewrite(u: DaprUse, app: string): string {
  const full = `${app}.${namespaceOf(app)}`;
  if (u.form === 'url') {
    const interp = /\{(env:\w+|\?)\}/.test(u.raw);
    const shown = u.raw
      .replace(/\{env:(\w+)\}/g, (_, n: string) => (u.lang === 'python' ? `{os.environ['${n}']}` : `\${process.env.${n}}`))
      .replace(/\{\?\}/g, u.lang === 'python' ? '{…}' : '${…}')
      .replace(new RegExp(`/invoke/${app.replace(/[.-]/g, '\\$&')}(?=/|$)`), `/invoke/${full}`);
    return u.lang === 'python' ? (interp ? `f"${shown}"` : `"${shown}"`) : interp ? `\`${shown}\`` : `'${shown}'`;
  }
  if (u.form === 'header') return u.lang === 'python' ? `"dapr-app-id": "${full}"` : `'dapr-app-id': '${full}'`;
  return `${u.raw || 'invoke'}(${u.lang === 'python' ? `"${full}"` : `'${full}'`}, …)`;
}

/** Calls by bare app-id: on the platform Dapr looks for `orders` in the caller's own namespace, where it does not run. */
function bareAppIds(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const u of daprUses(input.sources)) {
    if (u.api !== 'invoke' || u.name.includes('.') || u.name === input.name) continue;
    const k = `${u.name}|${u.loc.file}|${u.loc.line}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const ns = namespaceOf(u.name);
    const declared = input.values?.allowEgressTo.includes(ns);
    const how = u.form === 'header' ? `the dapr-app-id header "${u.name}"` : u.form === 'sdk' ? `${u.raw || 'the SDK'}("${u.name}", …)` : `/invoke/${u.name}/…`;
    out.push({
      rule: 'bare-app-id',
      severity: 'error',
      ...at(u.loc),
      path: u.name,
      message: `The app calls ${u.name} by its bare app-id (${how}). On the platform each app runs in its own namespace, so Dapr looks for ${u.name} in ${namespaceOf(input.name)}, where it does not run, and the call fails.`,
      fix: `Name the target's namespace: ${rewrite(u, u.name)}${declared ? ` (${input.values!.file} already allows ${ns})` : input.values ? `, and add \`${ns}\` to networkPolicy.allowEgressTo in ${input.values.file}` : ''}.`,
    });
  }
  return out;
}

function invocations(input: RuleInput, values: AppValues): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const u of daprUses(input.sources)) {
    if (u.api !== 'invoke') continue;
    const dot = u.name.indexOf('.');
    const app = dot >= 0 ? u.name.slice(0, dot) : u.name;
    const ns = dot >= 0 ? u.name.slice(dot + 1) : undefined;
    if (app === input.name && (!ns || ns === namespaceOf(input.name))) continue;
    const k = `${u.name}|${u.loc.file}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const target = ns ?? namespaceOf(app);
    if (values.allowEgressTo.includes(target)) continue;
    out.push({
      rule: 'undeclared-invocation',
      severity: 'error',
      ...at(u.loc),
      path: 'networkPolicy.allowEgressTo',
      message: `The app calls ${u.name}${ns ? '' : ` (the app ${app}, in namespace ${target})`}, but ${values.file} does not list ${target} in networkPolicy.allowEgressTo, so the network blocks the call.`,
      fix: `Add \`${target}\` to networkPolicy.allowEgressTo in ${values.file}${ns ? '' : `, and name the namespace in the call: ${invokeFix(u.lang, app)}`}; ${app} must also list \`${namespaceOf(input.name)}\` in its allowIngressFrom.`,
    });
  }
  return out;
}

/** The image's own rules: its user, its base images, and secrets written into its layers. */
function imageRules(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  for (const d of [...(input.docker ? [input.docker] : []), ...(input.otherDockerfiles ?? [])]) {
    if (!d.instructions.some((i) => i.op === 'FROM')) continue;
    const u = d.user?.value.split(':')[0];
    if ((!u && !nonRootBase(d.finalBase)) || u === 'root' || u === '0') {
      out.push({
        rule: 'dockerfile-root-user',
        severity: 'error',
        file: d.file,
        line: d.user?.line ?? d.finalLine,
        message: d.user
          ? `The image runs as root (USER ${d.user.value}). The cluster only runs apps as a non-root user, so anything that needs root (files only root can read, ports below 1024) breaks there.`
          : 'The image has no USER line, so it runs as root. The cluster only runs apps as a non-root user (10001), so anything that needs root (files only root can read, ports below 1024) breaks there.',
        fix: 'Add `USER 10001` near the end of the Dockerfile (after installing packages), and make any file the app reads readable by that user.',
      });
    }
    for (const b of d.bases) {
      const why = movingTag(b);
      if (!why) continue;
      const suggestion = suggestTag(b.name, b.tag);
      out.push({
        rule: 'dockerfile-unpinned-base',
        severity: 'warning',
        file: d.file,
        line: b.line,
        message: `${why}: the base image changes under you, and a rebuild can break or change the app without any change of yours.`,
        fix: `Pin a specific version, e.g. \`FROM ${b.name}:${suggestion}\` (or add a digest: \`${b.name}:${suggestion}@sha256:…\`).`,
      });
    }
    for (const st of d.settings) {
      const token = findToken(st.value);
      if (!token && !(isSecretName(st.key) && looksLikeSecretValue(st.value) && !isPlaceholder(st.value))) continue;
      out.push({
        rule: 'hardcoded-secret',
        severity: 'error',
        file: d.file,
        line: st.line,
        path: st.key,
        message: `${st.op} ${st.key} puts ${token ? token.what : 'a secret'} (${token ? token.shown : redact(st.value)}) into every layer of the image, where anyone who can pull it can read it.`,
        fix: `Remove it from the Dockerfile, revoke it, and store it with the platform's secret store (secretstore.keys: [${secretKeyFor(st.key)}]); the app reads it from Dapr at run time.`,
      });
    }
  }
  return out;
}

/**
 * Base images that set a non-root USER themselves: distroless `:nonroot` (and
 * `*-nonroot`) and .NET `*-chiseled` tags, Chainguard's images, Bitnami's (user
 * 1001), nginx-unprivileged, Jupyter's, Red Hat's UBI Python and Node.js images (1001).
 */
function nonRootBase(b: { name: string; tag: string } | undefined): boolean {
  if (!b) return false;
  return (
    /(^|[-_.])(nonroot|chiseled)([-_.]|$)/.test(b.tag) ||
    /^cgr\.dev\/chainguard\//.test(b.name) ||
    /^(docker\.io\/)?bitnami\//.test(b.name) ||
    /(^|\/)nginx-unprivileged$/.test(b.name) ||
    /^(quay\.io\/)?jupyter\//.test(b.name) ||
    /^registry\.access\.redhat\.com\/ubi\d+\/(python|nodejs)-\d+/.test(b.name)
  );
}

/**
 * Why a base image's tag moves, or undefined when it names a version. By rule,
 * not by list: no tag (latest); a tag whose own version part has no digit
 * (`latest`, `lts`, `edge`, `stable`, `slim`, `alpine`, `bookworm`,
 * `lts-alpine`, `alpine3.19`, `python3.9-slim` — the image's version is not
 * named); a major version alone (`3`, `20-alpine`). `3.12`, `20.18.0-slim`,
 * date-stamped tags and digests are quiet.
 */
export function movingTag(b: { image: string; tag: string; digest: boolean }): string | undefined {
  if (b.digest) return undefined;
  if (!b.tag) return `\`FROM ${b.image}\` has no tag, so it means \`${b.image}:latest\``;
  const parts = b.tag.split(/[-_]/);
  if (parts.some((p) => /^\d{8,}$/.test(p))) return undefined;
  const first = parts[0]!;
  if (!/^v?\d/.test(first)) return `\`FROM ${b.image}\` uses the moving tag \`${b.tag}\`${/\d/.test(b.tag) ? " (its version is not the image's own)" : ''}`;
  if (/^v?\d+$/.test(first)) return `\`FROM ${b.image}\` names only a major version (${first})`;
  return undefined;
}

function suggestTag(name: string, tag: string): string {
  const variant = tag.includes('-') ? tag.slice(tag.indexOf('-')) : tag === 'slim' || tag === 'alpine' ? `-${tag}` : '-slim';
  const base = name.split('/').pop();
  if (base === 'python') return `3.12.7${variant}`;
  if (base === 'node') return `20.18.0${variant === '-slim' ? '-bookworm-slim' : variant}`;
  return '<version>';
}
