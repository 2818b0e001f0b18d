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
  // Only what fails while the CLI loads lands here (e.g. its own files missing): one line, no stack trace.
  process.stderr.write(`paddock: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
