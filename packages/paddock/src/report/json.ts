import { VERSION } from '../version.js';

/** Who wrote a --json report, so that a machine reading it knows which tool and version to expect. */
const TOOL = { name: 'paddock', version: VERSION } as const;

/** Print a --json report on stdout, headed by the tool that wrote it. */
export function printJson(body: object, opts: { compact?: boolean } = {}): void {
  process.stdout.write(`${JSON.stringify({ tool: TOOL, ...body }, null, opts.compact ? undefined : 2)}\n`);
}
