import type { Command } from 'commander';

/** Each command lives in its own module and registers itself on the program. */
export type Register = (program: Command) => void;

/**
 * Commands by name, loaded on demand: `paddock check` loads only what check
 * needs, so a one-app check stays fast enough to run on every save.
 * To add a command: one line here, `name: () => import('./name.js')`.
 */
export const commands: Record<string, () => Promise<{ register: Register }>> = {
  validate: () => import('./validate.js'),
  render: () => import('./render.js'),
  check: () => import('./check.js'),
  explain: () => import('./explain.js'),
  doctor: () => import('./doctor.js'),
  new: () => import('./new.js'),
  dev: () => import('./dev.js'),
  onboard: () => import('./onboard.js'),
  offboard: () => import('./offboard.js'),
  cluster: () => import('./cluster.js'),
  demo: () => import('./demo.js'),
};
