import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { devStateDir } from '../paths.js';
import { killAllSync } from '../dev/proc.js';
import { DevSession } from '../dev/session.js';
import { UserError } from '../report/errors.js';
import type { Backend } from '../dev/resources.js';
import { printJson } from '../report/json.js';

export interface DevFlags {
  backend: Backend;
  json?: boolean;
  freePorts?: boolean;
  stateDir?: string;
  daprLogLevel: string;
  readyTimeout?: string;
}

export function register(program: Command): void {
  program
    .command('dev')
    .description(
      'Run apps on this machine as the cluster runs them: each app from source next to a real Dapr\n' +
        'sidecar (same Dapr API on localhost, app-id <name>, namespace <name>-ns), until Ctrl-C.',
    )
    .argument('[app-dir...]', 'app folders, each with values.yaml and paddock.dev.yaml (default: the current folder)')
    .addOption(
      new Option('--backend <backend>', 'where state and pub/sub live: embedded (SQLite, in-memory) or redis (a local redis-server, one ACL user per app)')
        .choices(['embedded', 'redis'])
        .default('embedded'),
    )
    .option('--json', "print the apps' status as JSON once they are ready, or once the wait for readiness is over (logs go to stderr)")
    .option('--free-ports', 'give the apps free ports instead of the ports in their values files')
    .option('--ready-timeout <seconds>', 'how long to wait for every app to be ready before saying what each still waits for (the apps keep running)', '60')
    .option('--state-dir <dir>', 'folder for generated Dapr files and local data', process.env.PADDOCK_STATE_DIR)
    .addOption(new Option('--dapr-log-level <level>', "the sidecars' log level").choices(['debug', 'info', 'warn', 'error']).default('warn'))
    .addHelpText(
      'after',
      '\nHow each app starts is in its paddock.dev.yaml; its local secrets in secrets.local.yaml (git-ignored).\n' +
        "While running, .paddock/dev/status.json lists each app's URL, Dapr HTTP port and health.\n" +
        'Example: npx paddock dev apps/app1 apps/app2',
    )
    .action(async (dirs: string[], flags: DevFlags) => {
      process.exitCode = await runDev(dirs, flags);
    });
}

/** Run apps until a signal arrives (also used by `paddock demo`). */
export async function runDev(dirs: string[], flags: DevFlags): Promise<number> {
  // With --json, stdout carries only the status document.
  const human = (line: string): void => {
    (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
  };
  const started = Date.now();
  let session: DevSession | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      human(pc.dim('stopping…'));
      await session?.stop();
    })();
    return stopping;
  };
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', killAllSync);

  const readySeconds = Number(flags.readyTimeout ?? '60');
  if (!Number.isFinite(readySeconds) || readySeconds < 0 || readySeconds > 3600) {
    throw new UserError(`--ready-timeout ${flags.readyTimeout} is not a number of seconds from 0 to 3600`, 'For example: --ready-timeout 30');
  }
  session = await DevSession.start({
    targets: dirs.length ? dirs : ['.'],
    backend: flags.backend,
    freePorts: flags.freePorts ?? false,
    stateDir: resolve(flags.stateDir ?? devStateDir()),
    daprLogLevel: flags.daprLogLevel,
    healthTimeoutMs: readySeconds * 1000,
    say: human,
    log: human,
  });
  if (interrupted) return 0;
  const status = await session.writeStatus();
  if (flags.json) {
    printJson({ ok: true, ready: status.every((s) => s.healthy), apps: status, statusFile: session.statusFile }, { compact: true });
  }
  for (const s of status) {
    const where = s.url ?? 'no port: it answers no web requests';
    human(
      `${s.healthy ? pc.green('✔') : pc.yellow('…')} ${pc.bold(s.name.padEnd(8))} ${where}  ${pc.dim(`(Dapr HTTP on 127.0.0.1:${s.daprHttpPort})`)}${s.waitingFor ? `  not ready: ${s.waitingFor}` : ''}`,
    );
  }
  const ready = status.every((s) => s.healthy);
  human(
    pc.dim(
      `${ready ? 'ready' : 'running, not every app ready yet,'} in ${((Date.now() - started) / 1000).toFixed(1)} s (${flags.backend} backend); Ctrl-C stops everything`,
    ),
  );
  await new Promise<never>(() => {
    /* run until a signal arrives */
  });
  return 0;
}
