/**
 * The file barrier the cross-process tests and their subprocesses synchronise on.
 *
 * @module
 */

/** Options of {@linkcode waitForFile}. */
export interface WaitForFileOptions {
  /**
   * Milliseconds between checks.
   *
   * @default {2}
   */
  pollMs?: number;
  /**
   * Checks before giving up with an error; unbounded when omitted (a subprocess is killed by its
   * test instead).
   */
  attempts?: number;
}

/**
 * Wait until `path` exists.
 *
 * @throws {Error} When `attempts` checks found no file.
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/go`, "");
 * await waitForFile(`${dir}/go`, { attempts: 1 });
 * const missing = await waitForFile(`${dir}/never`, { attempts: 2 }).catch((e) => e);
 * console.assert(missing instanceof Error);
 * ```
 */
export async function waitForFile(path: string, options: WaitForFileOptions = {}): Promise<void> {
  const pollMs = options.pollMs ?? 2;
  const attempts = options.attempts ?? Infinity;
  for (let i = 0; i < attempts; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  throw new Error(`timed out waiting for ${path}`);
}
