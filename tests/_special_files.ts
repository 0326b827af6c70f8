/**
 * Test helpers that make file-system entries Deno has no API for.
 *
 * @module
 */

/** Make a FIFO (named pipe) with `mkfifo`: opening one for reading blocks until a writer comes. */
export async function mkfifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", { args: [path] }).output();
  if (!out.success) throw new Error(`mkfifo failed: ${new TextDecoder().decode(out.stderr)}`);
}
