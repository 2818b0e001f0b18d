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
export async function cleanLeftovers(statusFile: string, devDir: string, say: (line: string) => void): Promise<void> {
  let doc: { pid?: number; processes?: number[] };
  try {
    doc = JSON.parse(readFileSync(statusFile, 'utf8')) as typeof doc;
  } catch {
    return;
  }
  if (doc.pid && doc.pid !== process.pid && /paddock[^\0]*\0dev\0/.test(readProc(doc.pid, 'cmdline'))) {
    throw new UserError(
      `paddock dev is already running (process ${doc.pid}) on ${shown(devDir)}`,
      'Stop it first (Ctrl-C where it runs), or give this one another --state-dir.',
    );
  }
  const killed: number[] = [];
  for (const pid of doc.processes ?? []) {
    if (!readProc(pid, 'environ').split('\0').includes(`${MARKER}=${devDir}`)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* already gone */
    }
  }
  if (!killed.length) return;
  // SIGKILL is delivered, not done: the ports they hold are free only once every process of the groups has exited.
  await groupsGone(killed, 10_000);
  say(`stopped ${killed.length} process group${killed.length > 1 ? 's' : ''} left running by an earlier paddock dev that was killed`);
}

/** Whether any process of group `pgid` still exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function groupsGone(groups: number[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (groups.some(groupAlive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}
