import type { Command } from 'commander';
import { register as validate } from './validate.js';
import { register as render } from './render.js';
import { register as explain } from './explain.js';
import { register as check } from './check.js';
import { register as dev } from './dev.js';
import { register as onboard } from './onboard.js';
import { register as offboard } from './offboard.js';
import { register as cluster } from './cluster.js';
import { register as doctor } from './doctor.js';

/** Each command lives in its own module and registers itself on the program. */
export type Register = (program: Command) => void;

export const commands: Register[] = [validate, render, check, explain, dev, onboard, offboard, cluster, doctor];
