/**
 * `node packages/paddock/dist/schema/setup.js`: make the generated schema set
 * if it is missing (`make setup` and scripts/test.sh run it). Progress on stderr.
 */
import { UserError } from '../report/errors.js';
import { ensureSchemas } from './generated.js';

try {
  await ensureSchemas();
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof UserError && err.hint) process.stderr.write(`${err.hint}\n`);
  process.exitCode = 2;
}
