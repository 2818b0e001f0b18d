import { readFileSync } from 'node:fs';
import { UserError } from '../report/errors.js';
import { shown } from './app.js';

/** Every process paddock dev starts carries this variable, set to its .paddock/dev folder. */
export const MARKER = 'PADDOCK_DEV_STATE';

function readProc(pid: number, what: 'environ' | 'cmdline'): string {
  try {
    return readFileSync(`/proc/${pid}/${what}`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * A status.json still there means the last `paddock dev` on this folder did
 * not stop cleanly (it was killed) or is still running. Refuse to start twice;
 * otherwise kill what it left behind: only processes that carry our marker for
 * this very folder, so nothing else is ever touched.
 */
export function cleanLeftovers(statusFile: string, devDir: string, say: (line: string) => void): void {
  let doc: { pid?: number; processes?: number[] };
  try {
    doc = JSON.parse(readFileSync(statusFile, 'utf8')) as typeof doc;
  } catch {
    return;
  }
  if (doc.pid && doc.pid !== process.pid && /paddock[^\0]*\0dev\0/.test(readProc(doc.pid, 'cmdline'))) {
    throw new UserError(`paddock dev is already running (process ${doc.pid}) on ${shown(devDir)}`, 'Stop it first (Ctrl-C where it runs), or give this one another --state-dir.');
  }
  let killed = 0;
  for (const pid of doc.processes ?? []) {
    if (!readProc(pid, 'environ').split('\0').includes(`${MARKER}=${devDir}`)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      killed++;
    } catch {
      /* already gone */
    }
  }
  if (killed) say(`stopped ${killed} process group${killed > 1 ? 's' : ''} left running by an earlier paddock dev that was killed`);
}
