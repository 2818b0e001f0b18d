#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/ (built by `make setup`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('paddock is not built yet. Run `make setup` in the repository root, then try again.\n');
  process.exit(2);
}
await import(entry.href);
