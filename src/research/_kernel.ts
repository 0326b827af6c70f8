/**
 * Internal: the Deno Jupyter kernel's `Deno.jupyter` namespace, when running inside it.
 *
 * @module
 */

/** The part of `Deno.jupyter` pointline uses. */
export interface JupyterApi {
  /** Send a display message (a MIME bundle with `raw: true`). */
  display(obj: unknown, options?: Record<string, unknown>): Promise<void>;
}

/**
 * `Deno.jupyter` inside the Deno kernel; `undefined` elsewhere (where its getter throws).
 *
 * @returns The namespace or `undefined`.
 */
export function _kernelJupyter(): JupyterApi | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}
