/** An error the user caused (bad flag, unreadable input): one line, exit 2, no stack trace unless --debug. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
