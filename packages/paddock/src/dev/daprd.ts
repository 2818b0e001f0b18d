import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { paths, tool } from '../paths.js';
import { UserError } from '../report/errors.js';
import { GroupProcess, type LineSink } from './proc.js';

/**
 * The daprd binary: PADDOCK_DAPRD, else tools/bin/daprd. When it is not built
 * yet, tools/build.sh builds it (or reuses one of the pinned version on PATH
 * or in ~/.dapr/bin); that takes minutes the first time, so its output is shown.
 */
export async function ensureDaprd(sink: LineSink, say: (line: string) => void): Promise<string> {
  const override = process.env.PADDOCK_DAPRD;
  if (override) {
    if (!existsSync(override)) throw new UserError(`PADDOCK_DAPRD points to ${override}, which does not exist`);
    return override;
  }
  const bin = tool('daprd');
  if (existsSync(bin)) return bin;
  const script = join(paths.root, 'tools', 'build.sh');
  if (!existsSync(script)) throw new UserError('daprd is not built and tools/build.sh is missing', 'Build the pinned daprd into tools/bin/daprd.');
  say('daprd is not built yet: building the pinned Dapr sidecar (first run only; a few minutes)…');
  const p = new GroupProcess('bash', [script, 'daprd'], { cwd: paths.root, env: process.env, sink });
  const { code } = await p.exited;
  if (code !== 0 || !existsSync(bin)) {
    throw new UserError(`building daprd failed (tools/build.sh daprd exited with code ${code})`, 'See the [build] lines above.');
  }
  return bin;
}
