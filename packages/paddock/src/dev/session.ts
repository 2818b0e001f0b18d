import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pc from 'picocolors';
import { stringify } from 'yaml';
import { consentGap, type Party } from '../connectivity/consent.js';
import { topicDeclaration, topicGrants } from '../connectivity/topics.js';
import { platformSettings } from '../contract/index.js';
import { UserError } from '../report/errors.js';
import { loadDevApp, shown, type DevApp } from './app.js';
import { ensureDaprBinaries } from './daprd.js';
import { installIfNeeded, needsInstall } from './install.js';
import { cleanLeftovers, MARKER } from './leftovers.js';
import { freePorts, portInUse } from './ports.js';
import type { LineSink } from './proc.js';
import { apiCall, bareAppIdRefusal } from './refusals.js';
import { startRedis, type LocalRedis } from './redis.js';
import { localComponents, localConfiguration, secretsJson, SecretsFileError, type Backend, type LocalContext } from './resources.js';
import { AppRunner, type AppPorts, type Health } from './runner.js';
import { requireProgram } from './runtime.js';
import { startSentry, type LocalSentry } from './sentry.js';

export interface DevOptions {
  targets: string[];
  backend: Backend;
  /** Give the apps free ports instead of the ones in their values files. */
  freePorts: boolean;
  /** The folder for generated files and local data (default .paddock). */
  stateDir: string;
  daprLogLevel: string;
  /** Messages for the user (one line each). */
  say: (line: string) => void;
  /** Where the processes' output lines go. */
  log: (line: string) => void;
  /** How long to wait for every app and sidecar to answer its health check. */
  healthTimeoutMs?: number;
}

export interface AppStatus {
  name: string;
  /** Where it answers web requests; null for an app with `port: none`. */
  url: string | null;
  daprHttpPort: number;
  /** Ready as the cluster judges it (the app's readiness check and its sidecar's). */
  healthy: boolean;
  /** While not ready: what readiness waits for, in plain words. */
  waitingFor?: string;
  /** Process ids (of the process groups) of the app and its sidecar, and how often the app was restarted. */
  pid?: number;
  daprdPid?: number;
  restarts: number;
}

/** What every self-hosted daprd says at start without placement and scheduler: true, expected, and noise to an app author. */
const EXPECTED_DAPRD_WARNINGS = [
  /level=warning msg="Actor runtime disabled/,
  /level=warning msg="No scheduler host addresses provided/,
  // An app with `port: none` has no app channel, by design.
  /level=warning msg="App channel is not initialized/,
  // redis-server's start-up banner (at "warning" level) and its advice for production hosts.
  /# (oO0OoO0OoO0Oo Redis is starting|Redis version=|Configuration loaded|Server initialized|WARNING Memory overcommit must be enabled)/,
];

const COLORS = [pc.cyan, pc.magenta, pc.yellow, pc.green, pc.blue];

/** Who calls whom without the other side agreeing: calls that will be refused, locally as in the cluster (the check's own sentences). */
export function allowListMismatches(apps: DevApp[]): string[] {
  const party = (a: DevApp): Party => ({ name: a.name, namespace: a.namespace, file: shown(a.valuesFile), answersCalls: a.values.port !== undefined });
  const out: string[] = [];
  for (const caller of apps) {
    for (const callee of apps) {
      const callerDeclares = caller.values.networkPolicy.allowEgressTo.includes(callee.namespace);
      const calleeDeclares = callee.values.networkPolicy.allowIngressFrom.includes(caller.namespace);
      const gap = consentGap(party(caller), party(callee), callerDeclares, calleeDeclares);
      if (gap) out.push(`${gap.message} ${gap.fix}`);
    }
  }
  return out;
}

/** Topics that will not flow between the apps run together (the cluster's rule, connectivity/topics.ts). */
function topicMismatches(apps: DevApp[]): string[] {
  const byName = new Map(apps.map((a) => [a.name, a]));
  const { problems } = topicGrants(apps.map((a) => topicDeclaration(a.name, a.values as unknown as Record<string, unknown>)));
  const out: string[] = [];
  for (const p of problems) {
    if (p.kind === 'not-accepted') {
      out.push(
        `${p.subscriber} subscribes to "${p.topic}", but ${p.publisher} does not accept it: ${p.subscriber} receives nothing, here and in the cluster. Add ${p.subscriber}-ns to ${shown(byName.get(p.publisher)!.valuesFile)} pubsub.allowSubscribersFrom.`,
      );
    } else if (p.kind === 'shared') {
      out.push(
        `"${p.topic}" is in pubsub.publishes of ${p.publishers.join(' and ')}: a topic has one publisher, so none of them may send to it. Rename it in all but one.`,
      );
    } else if (p.kind === 'no-publisher') {
      out.push(`${p.subscriber} subscribes to "${p.topic}", which none of the apps run here publishes.`);
    }
  }
  return out;
}

/** Runtimes the apps need, checked before any slow step. */
async function requireRuntimes(apps: DevApp[]): Promise<void> {
  for (const a of apps) {
    const install = a.run.install;
    if (install && (await needsInstall(install))) {
      for (const cmd of install.run) if (!cmd[0]!.includes('/')) requireProgram(cmd[0]!, a, install.cwd);
    }
    const program = a.run.command[0]!;
    if (!program.includes('/')) requireProgram(program, a, a.run.cwd);
  }
}

export class DevSession {
  readonly runners: AppRunner[] = [];
  redis?: LocalRedis;
  private sentry?: Promise<LocalSentry>;
  private monitor?: NodeJS.Timeout;
  private lastStatus = '';
  private stopped = false;
  /** Per app, what readiness waited for when last said (undefined: ready). */
  private readonly announced = new Map<string, string | undefined>();

  private constructor(
    readonly opts: DevOptions,
    readonly apps: DevApp[],
  ) {}

  get devDir(): string {
    return join(this.opts.stateDir, 'dev');
  }

  get statusFile(): string {
    return join(this.devDir, 'status.json');
  }

  /** Check everything, install what is missing, start every app and sidecar, wait until all are healthy. */
  static async start(opts: DevOptions): Promise<DevSession> {
    const apps: DevApp[] = [];
    for (const t of opts.targets) apps.push(await loadDevApp(t));
    const dup = apps.find((a, i) => apps.findIndex((b) => b.name === a.name) !== i);
    if (dup) throw new UserError(`two of the folders given are both the app "${dup.name}"`, 'Give each app once.');
    const session = new DevSession(opts, apps);
    try {
      await session.boot();
    } catch (err) {
      await session.stop();
      throw err;
    }
    return session;
  }

  private sink(label: string, colour: (s: string) => string): LineSink {
    const prefix = colour(`[${label}]`);
    return (line) => {
      if (!EXPECTED_DAPRD_WARNINGS.some((re) => re.test(line))) this.opts.log(`${prefix} ${line}`);
    };
  }

  /**
   * A sidecar's lines: its API log (one line per call) is read, not shown; a
   * call refused because it names an app by its bare app-id becomes one line
   * naming the fix, once per call site (caller, method and path).
   */
  private sidecarSink(app: DevApp, colour: (s: string) => string): LineSink {
    const show = this.sink(`${app.name}:dapr`, colour);
    const said = new Set<string>();
    return (line, stream) => {
      const call = apiCall(line);
      if (!call) return show(line, stream);
      const refusal = bareAppIdRefusal(call, app);
      const k = `${call.verb} ${call.path}`;
      if (refusal && !said.has(k)) {
        said.add(k);
        this.opts.say(`${pc.red('✖')} ${refusal}`);
      }
    };
  }

  /** Each app's port: its own (refused when two clash or another program has it), or a free one with --free-ports. */
  private async appPorts(taken: Set<number>): Promise<Map<string, number>> {
    const { opts, apps } = this;
    const appPorts = new Map<string, number>();
    // An app with `port: none` listens on nothing, so it needs no port here either.
    const withPort = apps.filter((a) => a.values.port !== undefined);
    if (opts.freePorts) {
      const ports = await freePorts(withPort.length, taken);
      for (const [i, a] of withPort.entries()) appPorts.set(a.name, ports[i]!);
      return appPorts;
    }
    for (const a of withPort) {
      const p = a.values.port!;
      const clash = apps.find((b) => b !== a && b.values.port === p);
      if (clash)
        throw new UserError(
          `${a.name} and ${clash.name} both use port ${p} (their values files)`,
          'Give one of them another port, or run paddock dev --free-ports.',
        );
      if (await portInUse(p)) {
        throw new UserError(
          `port ${p} (${shown(a.valuesFile)} port) is already in use by another program`,
          'Stop that program, or run paddock dev --free-ports to give the apps free ports.',
        );
      }
      taken.add(p);
      appPorts.set(a.name, p);
    }
    return appPorts;
  }

  /** The app's Dapr resources and configuration under .paddock/dev/<app>/, and its local secrets. */
  private async writeResources(a: DevApp, trustDomain: string, nameResolutionDb: string): Promise<{ resourcesDir: string; configFile: string }> {
    const { opts } = this;
    const dir = join(this.devDir, a.name);
    const resourcesDir = join(dir, 'components');
    await rm(resourcesDir, { recursive: true, force: true });
    await mkdir(resourcesDir, { recursive: true, mode: 0o700 });
    const ctx: LocalContext = {
      backend: opts.backend,
      dataDir: dir,
      secretsJson: join(dir, 'secrets.json'),
      nameResolutionDb,
      trustDomain,
      ...(this.redis ? { redis: { host: this.redis.host, password: this.redis.passwords.get(a.name)! } } : {}),
    };
    await this.writeSecrets(a, ctx.secretsJson);
    for (const c of localComponents(a, ctx)) {
      const name = (c.metadata as { name: string }).name;
      await writeFile(join(resourcesDir, `${name}.yaml`), stringify(c), { mode: 0o600 });
    }
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, `# Generated by paddock dev from ${shown(a.valuesFile)}; do not edit.\n${stringify(localConfiguration(a, ctx))}`);
    return { resourcesDir, configFile };
  }

  private async boot(): Promise<void> {
    const { opts, apps } = this;
    await mkdir(this.devDir, { recursive: true });
    await cleanLeftovers(this.statusFile, this.devDir, opts.say);
    // Inherited by every process started from here: how a later run recognises leftovers.
    process.env[MARKER] = this.devDir;
    for (const warning of [...allowListMismatches(apps), ...topicMismatches(apps)]) opts.say(`${pc.yellow('!')} ${warning}`);

    // Ports first: a clash is the most common problem and the cheapest to report.
    const taken = new Set<number>();
    const appPorts = await this.appPorts(taken);
    await requireRuntimes(apps);

    const dapr = await ensureDaprBinaries(this.sink('build', pc.dim), opts.say);
    for (const [i, a] of apps.entries()) {
      await installIfNeeded(a, this.sink(`${a.name}:install`, COLORS[i % COLORS.length]!), opts.say);
    }
    const programs = apps.map((a) => requireProgram(a.run.command[0]!, a, a.run.cwd));

    // One certificate authority for the session's sidecars; it starts while Redis, the files and the apps do.
    this.sentry = startSentry(dapr.sentry, join(this.devDir, 'sentry'), taken, opts.daprLogLevel, this.sink('sentry', pc.dim), (line) =>
      opts.say(`${pc.yellow('!')} ${line}`),
    );
    this.sentry.catch(() => undefined); // awaited below; stop() handles a failure before that
    if (opts.backend === 'redis') {
      this.redis = await startRedis(apps, join(this.devDir, 'redis'), this.sink('redis', pc.red));
    }

    const trustDomain = String((platformSettings().dapr as { trustDomain?: string } | undefined)?.trustDomain ?? 'public');
    const nameResolutionDb = join(this.devDir, 'nameresolution.db');
    for (const [i, a] of apps.entries()) {
      const { resourcesDir, configFile } = await this.writeResources(a, trustDomain, nameResolutionDb);
      const [daprHttp, daprGrpc, daprInternalGrpc, metrics] = (await freePorts(4, taken)) as [number, number, number, number];
      const ports: AppPorts = { ...(appPorts.has(a.name) ? { app: appPorts.get(a.name)! } : {}), daprHttp, daprGrpc, daprInternalGrpc, metrics };
      const colour = COLORS[i % COLORS.length]!;
      this.runners.push(
        new AppRunner({
          app: a,
          ports,
          daprd: dapr.daprd,
          resourcesDir,
          configFile,
          daprLogLevel: opts.daprLogLevel,
          program: programs[i]!,
          logApp: this.sink(a.name, colour),
          logDapr: this.sidecarSink(a, colour),
          say: (line) => opts.say(`${pc.yellow('!')} ${line}`),
        }),
      );
    }

    for (const r of this.runners) r.startApp();
    const sentry = await this.sentry;
    for (const r of this.runners) r.startSidecar(sentry);
    await this.writeStatus();
    await this.waitHealthy(opts.healthTimeoutMs ?? 60_000);
    // Also what keeps `paddock dev` alive while it waits for Ctrl-C.
    this.monitor = setInterval(() => void this.watch(), 2000);
  }

  /** The status file, and a line each time an app becomes ready or stops being ready. */
  private async watch(): Promise<void> {
    const health = await Promise.all(this.runners.map((r) => r.healthy()));
    if (this.stopped) return;
    this.runners.forEach((r, i) => {
      const wait = r.waitingFor(health[i]!);
      const was = this.announced.get(r.app.name);
      if (was === wait) return;
      this.announced.set(r.app.name, wait);
      if (!wait) this.opts.say(`${pc.green('✔')} ${r.app.name} is ready${r.url ? ` on ${r.url}` : ''}`);
      else this.opts.say(`${pc.yellow('…')} ${r.app.name} is not ready: ${wait}. It keeps running; the cluster would send it no traffic until then.`);
    });
    await this.writeStatus(health);
  }

  private async writeSecrets(a: DevApp, file: string): Promise<void> {
    let text: string | undefined;
    if (existsSync(a.secretsFile)) text = await readFile(a.secretsFile, 'utf8');
    let secrets: Record<string, string>;
    try {
      secrets = secretsJson(text, shown(a.secretsFile));
    } catch (err) {
      if (err instanceof SecretsFileError) throw new UserError(err.message, 'Each line is "name: value", as in secrets.local.example.yaml.');
      throw new UserError(`${shown(a.secretsFile)} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (a.values.secretstore.enabled && text === undefined) {
      this.opts.say(`${a.name}: no ${shown(a.secretsFile)}, so its secret store is empty (copy secrets.local.example.yaml there and fill it in)`);
    }
    await writeFile(file, JSON.stringify(secrets), { mode: 0o600 });
  }

  /**
   * Wait until every app is ready as the cluster judges it, for at most
   * `timeoutMs`. An app that is not ready by then keeps running (the cluster
   * would keep it too, and send it no traffic): the session says what its
   * readiness waits for, and says so again when that changes.
   */
  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: Health[];
    for (;;) {
      last = await Promise.all(this.runners.map((r) => r.healthy()));
      if (last.every((h) => h.app && h.sidecar) || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.runners.forEach((r, i) => {
      const wait = r.waitingFor(last[i]!);
      this.announced.set(r.app.name, wait);
      if (wait)
        this.opts.say(
          `${pc.yellow('…')} ${r.app.name} is not ready after ${Math.round(timeoutMs / 1000)} s: ${wait}. It keeps running; the cluster would send it no traffic until then. See its log lines for why.`,
        );
    });
    await this.writeStatus(last);
  }

  /** `.paddock/dev/status.json`, rewritten when something changes. */
  async writeStatus(health?: Health[]): Promise<AppStatus[]> {
    const h = health ?? (await Promise.all(this.runners.map((r) => r.healthy())));
    const apps: AppStatus[] = this.runners.map((r, i) => ({
      name: r.app.name,
      url: r.url ?? null,
      daprHttpPort: r.ports.daprHttp,
      healthy: h[i]!.app && h[i]!.sidecar,
      ...(r.waitingFor(h[i]!) ? { waitingFor: r.waitingFor(h[i]!) } : {}),
      pid: r.appPid,
      daprdPid: r.daprdPid,
      restarts: r.restarts,
    }));
    // pid and processes let the next run detect a session still running, or clean up after a killed one.
    const sentry = await this.sentry?.catch(() => undefined);
    const processes = [...this.runners.flatMap((r) => [r.appPid, r.daprdPid]), sentry?.pid, this.redis?.process.pid].filter((p): p is number => !!p);
    const text = `${JSON.stringify({ apps, pid: process.pid, processes }, null, 2)}\n`;
    if (text !== this.lastStatus && !this.stopped) {
      this.lastStatus = text;
      await writeFile(this.statusFile, text);
    }
    return apps;
  }

  /** Stop every app, sidecar, Sentry and Redis; nothing is left running. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.monitor) clearInterval(this.monitor);
    await Promise.all(this.runners.map((r) => r.stop()));
    await (await this.sentry?.catch(() => undefined))?.stop();
    await this.redis?.process.stop();
    // Only our own: a run refused because another is running must not remove that one's file.
    if (this.lastStatus) await rm(this.statusFile, { force: true });
  }
}
