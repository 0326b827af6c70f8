/**
 * The shared entry point of the `tasks/` jobs: runs a main function and turns its outcome into
 * an exit code, printing user errors as one line without a stack trace.
 *
 * @module
 */
import { UserError } from "./user_error.ts";

/** Options of {@linkcode runCli}. */
export interface RunCliOptions {
  /** Where messages go. @default {console.error} */
  printError?: (line: string) => void;
  /** Exit the process with the code. @default {Deno.exit} */
  exit?: (code: number) => void;
}

/**
 * Run a job's main function: its return value (default 0) is the exit code; a
 * {@linkcode UserError} prints `error: <message>` and exits with its code; any other error
 * prints its name and message (and stack when `POINTLINE_DEBUG` is set) and exits 1.
 *
 * @param main The job, given the command-line arguments.
 * @param args The arguments. @default {Deno.args}
 * @param options Error printer and exit function (for tests).
 * @returns Resolves once `exit` was called.
 * @example
 * ```ts
 * import { runCli } from "./run_cli.ts";
 * import { UserError } from "./user_error.ts";
 * let code = -1;
 * const lines: string[] = [];
 * await runCli(() => { throw new UserError("Missing --file"); }, [], { exit: (c) => { code = c; }, printError: (l) => lines.push(l) });
 * if (code !== 2 || lines[0] !== "error: Missing --file") throw new Error(lines.join("\n"));
 * ```
 */
export async function runCli(
  main: (args: string[]) => Promise<number | void> | number | void,
  args: string[] = Deno.args,
  options: RunCliOptions = {},
): Promise<void> {
  const printError = options.printError ?? ((line: string) => console.error(line));
  const exit = options.exit ?? ((code: number) => Deno.exit(code));
  let code: number;
  try {
    code = (await main(args)) ?? 0;
  } catch (err) {
    if (err instanceof UserError) {
      printError(`error: ${err.message}`);
      code = err.exitCode;
    } else {
      const e = err instanceof Error ? err : new Error(String(err));
      printError(`error: ${e.name}: ${e.message}`);
      if (_debug()) printError(e.stack ?? "");
      code = 1;
    }
  }
  exit(code);
}

function _debug(): boolean {
  try {
    return Boolean(Deno.env.get("POINTLINE_DEBUG"));
  } catch {
    return false;
  }
}
