/** What `paddock new` asks, its defaults, and what doctor's reading of the source suggests. */
import type { DoctorResult } from '../doctor/index.js';
import { daprUses, effectiveListens } from '../doctor/index.js';
import { isSecretName, secretKeyFor } from '../doctor/names.js';
import { infraLib } from '../doctor/names.js';
import { appNameProblem } from '../contract/app-name.js';

export type Size = 'small' | 'medium' | 'large';

export interface Answers {
  name: string;
  /** The port it answers web requests on, or `none` (a worker or a client). */
  port: number | 'none';
  /** Optional: the path that says it can serve (readiness); without it the platform checks the port. */
  healthPath?: string;
  state: boolean;
  secrets: boolean;
  secretKeys: string[];
  pubsub: boolean;
  /** App names (not namespaces) that may call this app. */
  callers: string[];
  /** App names this app calls. */
  calls: string[];
  image: string;
  tag: string;
  owner: string;
  size: Size;
}

/** Answers suggested by the source; absent fields have no suggestion. */
export type Suggestions = Partial<Answers> & { reasons: string[] };

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SECRET_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const DAPR_PORTS = new Set([3500, 3501, 50001, 50002, 9090]);

export function defaults(name: string): Answers {
  return {
    name,
    port: 8080,
    state: false,
    secrets: false,
    secretKeys: [],
    pubsub: false,
    callers: [],
    calls: [],
    image: `localhost:30000/platform/${name}`,
    tag: '1.0.0',
    owner: '',
    size: 'small',
  };
}

/** "app2, app3-ns" → ["app2", "app3"]. */
export function parseAppList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((s) => s.trim().replace(/-ns$/, ''))
        .filter(Boolean),
    ),
  ];
}

export function parseKeyList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** The one app-name rule (contract/app-name.ts), worded for a question or a flag. */
export function nameProblem(name: string): string | undefined {
  const problem = appNameProblem(name);
  return problem ? `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.` : undefined;
}

/** `--port`: a number, or `none` for an app that answers no web requests. */
export function parsePort(text: string): number | 'none' {
  return text.trim().toLowerCase() === 'none' ? 'none' : Number(text.trim());
}

export function portProblem(port: number | 'none'): string | undefined {
  if (port === 'none') return undefined;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) return 'Use a whole number from 1024 to 65535 (8080 is the usual choice).';
  if (DAPR_PORTS.has(port)) return `${port} belongs to the Dapr sidecar; use another port, such as 8080.`;
  return undefined;
}

export function appListProblem(apps: string[]): string | undefined {
  const bad = apps.find((a) => !DNS_LABEL.test(a));
  return bad ? `"${bad}" is not an app name: use lowercase letters, digits and "-".` : undefined;
}

export function keyListProblem(keys: string[]): string | undefined {
  const bad = keys.find((k) => !SECRET_KEY.test(k));
  return bad ? `"${bad}" is not a valid secret name: use letters, digits, ".", "_" and "-".` : undefined;
}

/** Pre-fill from what doctor sees in the source: the port, the stores it calls, the secrets it reads, the apps it calls. */
export function suggestFromSource(result: DoctorResult): Suggestions {
  const s: Suggestions = { reasons: [] };
  const code = result.sources.filter((f) => !f.isTest);
  if (!code.length) return s;

  for (const { listen } of effectiveListens(result)) {
    const p = listen.port;
    const n =
      p?.kind === 'num'
        ? p.n
        : p?.kind === 'env' && p.fallback?.kind === 'num'
          ? p.fallback.n
          : p?.kind === 'env' && p.fallback?.kind === 'str' && /^\d+$/.test(p.fallback.s)
            ? Number(p.fallback.s)
            : p?.kind === 'str' && /^\d+$/.test(p.s)
              ? Number(p.s)
              : p === undefined
                ? listen.defaultPort
                : undefined;
    if (n !== undefined && !portProblem(n)) {
      s.port = n;
      s.reasons.push(`port ${n}: ${listen.via} in ${listen.loc.file}:${listen.loc.line}`);
      break;
    }
  }

  // A health route the app really serves becomes its readiness path; without one the platform checks the port.
  const routes = code.flatMap((f) => f.routes.map((r) => r.path.replace(/\/+$/, '') || '/'));
  const health = routes.includes('/health') ? '/health' : routes.find((r) => /^\/(healthz|health-?check|ping|status|ready|readyz|live|livez)$/.test(r));
  if (health) {
    s.healthPath = health;
    s.reasons.push(`health path ${health}: the app serves it`);
  }

  const uses = daprUses(result.sources);
  const stateUse = uses.find((u) => u.api === 'state');
  const stateLib = code
    .flatMap((f) => f.imports.map((i) => ({ i, lib: infraLib(i.module, f.lang) })))
    .find((x) => x.lib && (x.lib.kind === 'state' || x.lib.kind === 'db'));
  if (stateUse) {
    s.state = true;
    s.reasons.push(`state: calls the state store in ${stateUse.loc.file}:${stateUse.loc.line}`);
  } else if (stateLib) {
    s.state = true;
    s.reasons.push(`state: uses ${stateLib.lib!.name} in ${stateLib.i.loc.file}:${stateLib.i.loc.line}`);
  }

  const keys = new Set<string>();
  for (const u of uses) if (u.api === 'secrets' && u.key) keys.add(u.key);
  for (const f of code) for (const e of f.envReads) if (isSecretName(e.name)) keys.add(secretKeyFor(e.name));
  if (keys.size || uses.some((u) => u.api === 'secrets')) {
    s.secrets = true;
    s.secretKeys = [...keys].filter((k) => SECRET_KEY.test(k)).sort();
    s.reasons.push(`secrets: the app reads ${s.secretKeys.length ? s.secretKeys.join(', ') : 'the secret store'}`);
  }

  if (uses.some((u) => u.api === 'publish')) {
    s.pubsub = true;
    s.reasons.push('events: the app publishes through pub/sub');
  }

  const calls = new Set<string>();
  for (const u of uses) {
    if (u.api !== 'invoke') continue;
    const app = u.name.split('.')[0]!;
    if (app !== result.name && DNS_LABEL.test(app)) calls.add(app);
  }
  if (calls.size) {
    s.calls = [...calls].sort();
    s.reasons.push(`calls: ${s.calls.join(', ')} through Dapr`);
  }
  return s;
}
