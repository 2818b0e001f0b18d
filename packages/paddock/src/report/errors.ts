/**
 * An error the user can fix: bad arguments, a missing or unreadable file, a
 * tool that is not installed. The CLI prints its message (no stack) and exits 2.
 * Anything else that reaches the top is paddock's own fault (cli.ts).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The one wording for a path that is not there, whatever kind of path was asked for. */
export function notFound(path: string, hint?: string): UserError {
  return new UserError(`${path} does not exist.`, hint);
}
