import type { Command } from 'commander';
import { register as dev } from './dev.js';
import { register as onboard } from './onboard.js';
import { register as offboard } from './offboard.js';

/** Each command lives in its own module and registers itself on the program. */
export type Register = (program: Command) => void;

export const commands: Register[] = [dev, onboard, offboard];
