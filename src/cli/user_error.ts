/**
 * The error a command-line job throws for a mistake of its user (a bad flag, a missing file):
 * printed as one line, never with a stack trace.
 *
 * @module
 */

/** A mistake of the command's user; {@linkcode runCli} prints its message and exits. */
export class UserError extends Error {
  /** Process exit code. */
  readonly exitCode: number;
  /**
   * @param message Sentence case, no trailing period, values quoted.
   * @param options `exitCode` (default 2) and the standard `cause`.
   * @example
   * ```ts
   * import { UserError } from "./user_error.ts";
   * const e = new UserError(`Unknown table "x"`);
   * if (e.exitCode !== 2 || e.name !== "UserError") throw new Error("bad defaults");
   * ```
   */
  constructor(message: string, options: ErrorOptions & { exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = "UserError";
    this.exitCode = options.exitCode ?? 2;
  }
}
