#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/ (built by `make setup`; a packed paddock carries it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('paddock is not built yet. Run `make setup` in the repository root, then try again.\n');
  process.exit(2);
}
try {
  await import(entry.href);
} catch (err) {
  // Only what fails while the CLI itself loads lands here (a dependency missing): paddock's install, not the user.
  process.stderr.write(`internal error: paddock could not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.stderr.write('Its installation is incomplete: run `make setup` in a checkout, or reinstall the package.\n');
  process.exit(70);
}
