import { describeCheck } from '../contract/index.js';
import type { DevApp } from './app.js';
import { canConnect } from './ports.js';
import { GroupProcess, type LineSink, Supervised } from './proc.js';
import type { SentryEndpoint } from './sentry.js';

/** Whether the app and its sidecar pass their readiness checks. */
export interface Health {
  app: boolean;
  sidecar: boolean;
}

/** The ports one app and its sidecar use. */
export interface AppPorts {
  /** The app's own port; undefined for an app with `port: none`. */
  app?: number;
  daprHttp: number;
  daprGrpc: number;
  daprInternalGrpc: number;
  metrics: number;
}

export interface RunnerOptions {
  app: DevApp;
  ports: AppPorts;
  daprd: string;
  /** The app's generated resources: <dir>/components and <dir>/config.yaml. */
  resourcesDir: string;
  configFile: string;
  daprLogLevel: string;
  /** Resolved program of the app's command. */
  program: string;
  logApp: LineSink;
  logDapr: LineSink;
  say: (line: string) => void;
}

/** One app and its Dapr sidecar. */
export class AppRunner {
  readonly app: DevApp;
  readonly ports: AppPorts;
  private readonly sidecar: Supervised;
  private readonly process: Supervised;
  private sentry?: SentryEndpoint;

  constructor(private readonly o: RunnerOptions) {
    this.app = o.app;
    this.ports = o.ports;
    this.sidecar = new Supervised(`${o.app.name}'s Dapr sidecar`, () => this.spawnDaprd(), o.say);
    this.process = new Supervised(o.app.name, () => this.spawnApp(), o.say);
  }

  /** Where the app answers web requests; undefined for an app without a port. */
  get url(): string | undefined {
    return this.ports.app === undefined ? undefined : `http://localhost:${this.ports.app}`;
  }

  get appPid(): number | undefined {
    return this.process.proc?.pid;
  }

  get daprdPid(): number | undefined {
    return this.sidecar.proc?.pid;
  }

  get restarts(): number {
    return this.process.restarts;
  }

  /** The app needs nothing of its sidecar to start, so it starts while Sentry does. */
  startApp(): void {
    this.process.start();
  }

  /** The sidecar, with mTLS: it gets its identity from the session's Sentry. */
  startSidecar(sentry: SentryEndpoint): void {
    this.sentry = sentry;
    this.sidecar.start();
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await this.sidecar.stop();
  }

  /**
   * Ready as the cluster judges it: the app's readiness check (GET healthPath
   * answers 2xx, else a connection to its port, else, without a port, its
   * process runs) and its sidecar's (/v1.0/healthz answers 2xx).
   */
  async healthy(): Promise<Health> {
    const ok = async (url: string): Promise<boolean> => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
        await res.arrayBuffer();
        return res.ok;
      } catch {
        return false;
      }
    };
    const check = this.app.values.health.readiness;
    const port = this.ports.app;
    const appReady = async (): Promise<boolean> => {
      if (!this.process.proc?.running) return false;
      if (check.kind === 'http') return ok(`http://127.0.0.1:${port}${check.path}`);
      if (check.kind === 'tcp') return canConnect(port!, 1000);
      return true;
    };
    const [app, sidecar] = await Promise.all([appReady(), ok(`http://127.0.0.1:${this.ports.daprHttp}/v1.0/healthz`)]);
    return { app, sidecar };
  }

  /** What readiness still waits for, in plain words (undefined when ready). */
  waitingFor(h: Health): string | undefined {
    if (h.app && h.sidecar) return undefined;
    if (!h.app) {
      const what = describeCheck(this.app.values.health.readiness, this.ports.app);
      return this.process.proc?.running ? `waiting until ${what}` : `waiting for the app's process to start again (it exited; see its log lines)`;
    }
    return `waiting for its Dapr sidecar (GET /v1.0/healthz on 127.0.0.1:${this.ports.daprHttp})`;
  }

  private spawnDaprd(): GroupProcess {
    const { app, ports } = this.o;
    const sentry = this.sentry!;
    const args = [
      '--mode',
      'standalone',
      '--app-id',
      app.name,
      // As the chart asks the injector: an app port only when the app has one,
      // and Dapr's app health check on the readiness path only when there is one.
      ...(ports.app !== undefined ? ['--app-port', String(ports.app), '--app-protocol', 'http', '--app-channel-address', '127.0.0.1'] : []),
      ...(app.values.health.readiness.kind === 'http'
        ? [
            '--enable-app-health-check',
            '--app-health-check-path',
            app.values.health.readiness.path,
            '--app-health-probe-interval',
            '5',
            '--app-health-probe-timeout',
            '1000',
            '--app-health-threshold',
            '3',
          ]
        : []),
      '--dapr-http-port',
      String(ports.daprHttp),
      '--dapr-grpc-port',
      String(ports.daprGrpc),
      '--dapr-internal-grpc-port',
      String(ports.daprInternalGrpc),
      '--metrics-port',
      String(ports.metrics),
      '--dapr-listen-addresses',
      '127.0.0.1',
      '--dapr-internal-grpc-listen-address',
      '127.0.0.1',
      '--metrics-listen-address',
      '127.0.0.1',
      '--resources-path',
      this.o.resourcesDir,
      '--config',
      this.o.configFile,
      '--log-level',
      this.o.daprLogLevel,
      // mTLS between sidecars, with an identity from the session's Sentry: what access control checks.
      '--enable-mtls',
      '--sentry-address',
      sentry.address,
      '--control-plane-trust-domain',
      sentry.trustDomain,
      '--control-plane-namespace',
      sentry.namespace,
    ];
    // daprd takes its namespace from NAMESPACE (part of its identity), its
    // root certificate from DAPR_TRUST_ANCHORS, and registers DAPR_HOST_IP in
    // name resolution. SENTRY_LOCAL_IDENTITY would replace the app-id in the
    // identity it asks Sentry for.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NAMESPACE: app.namespace,
      DAPR_HOST_IP: '127.0.0.1',
      DAPR_TRUST_ANCHORS: sentry.trustAnchors,
    };
    delete env.SENTRY_LOCAL_IDENTITY;
    return new GroupProcess(this.o.daprd, args, { cwd: this.o.resourcesDir, env, sink: this.o.logDapr });
  }

  private spawnApp(): GroupProcess {
    const { app, ports } = this.o;
    const env = {
      ...process.env,
      PYTHONUNBUFFERED: '1',
      ...app.run.env,
      ...(ports.app !== undefined ? { PORT: String(ports.app) } : {}),
      APP_ID: app.name,
      DAPR_HTTP_PORT: String(ports.daprHttp),
      DAPR_GRPC_PORT: String(ports.daprGrpc),
    };
    // An app without a port gets no PORT, as in the cluster.
    if (ports.app === undefined) delete (env as NodeJS.ProcessEnv).PORT;
    return new GroupProcess(this.o.program, app.run.command.slice(1), { cwd: app.run.cwd, env, sink: this.o.logApp });
  }
}
