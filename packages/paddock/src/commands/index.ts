import type { Command } from 'commander';

/** Each command lives in its own module and registers itself on the program. */
export type Register = (program: Command) => void;

export const commands: Register[] = [];
