import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { layout, paths, tool } from '../paths.js';
import { notFound, UserError } from '../report/errors.js';
import { ensureTools } from '../tools/ensure.js';
import { GroupProcess, type LineSink } from './proc.js';

/** The Dapr programs paddock dev runs: the sidecar and the certificate authority (same module and pin). */
export interface DaprBinaries {
  daprd: string;
  sentry: string;
}

const OVERRIDE = { daprd: 'PADDOCK_DAPRD', sentry: 'PADDOCK_SENTRY' } as const;

/**
 * daprd and sentry: PADDOCK_DAPRD / PADDOCK_SENTRY, else tools/bin/<name>.
 * What is not built yet is built by one tools/build.sh call (or reused from a
 * binary of the pinned version on PATH); that takes minutes the first time,
 * so its output is shown.
 */
export async function ensureDaprBinaries(sink: LineSink, say: (line: string) => void): Promise<DaprBinaries> {
  const out = {} as DaprBinaries;
  const missing: (keyof DaprBinaries)[] = [];
  for (const name of ['daprd', 'sentry'] as const) {
    const override = process.env[OVERRIDE[name]];
    if (override) {
      if (!existsSync(override)) throw notFound(override, `${OVERRIDE[name]} names it; point it at a ${name} binary, or unset it to use the pinned one.`);
      out[name] = override;
      continue;
    }
    out[name] = tool(name);
    if (!existsSync(out[name])) missing.push(name);
  }
  // An installed paddock: from PATH at the pinned version, else built into the user's cache (a stale one is rebuilt).
  const pinned = (['daprd', 'sentry'] as const).filter((name) => !process.env[OVERRIDE[name]]);
  if (layout === 'installed') {
    await ensureTools([...pinned], say);
    return out;
  }
  if (!missing.length) return out;

  const list = missing.join(' and ');
  const are = missing.length > 1 ? 'are' : 'is';
  const script = join(paths.root, 'tools', 'build.sh');
  if (!existsSync(script)) throw new UserError(`${list} ${are} not built and tools/build.sh is missing`, `Build the pinned Dapr ${list} into tools/bin/.`);
  say(`${list} ${are} not built yet: building the pinned Dapr ${missing.length > 1 ? 'programs' : 'program'} (first run only; a few minutes)…`);
  const p = new GroupProcess('bash', [script, ...missing], { cwd: paths.root, env: process.env, sink });
  const { code } = await p.exited;
  const failed = missing.filter((name) => !existsSync(out[name]));
  if (code !== 0 || failed.length) {
    throw new UserError(`building ${list} failed (tools/build.sh ${missing.join(' ')} exited with code ${code})`, 'See the [build] lines above.');
  }
  return out;
}
