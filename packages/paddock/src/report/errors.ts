/**
 * An error the user can fix: bad arguments, a missing or unreadable file, a
 * tool that is not installed. The CLI prints its message (no stack) and exits 2.
 */
export class UserError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UserError';
  }
}
