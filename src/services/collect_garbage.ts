/**
 * Collecting garbage when native memory has grown.
 *
 * Polars frames hold native memory the JS garbage collector does not see, so a long loop (files
 * of a run, parts of a streamed file) can grow RSS by one step's frames per step until V8
 * happens to collect. When the process runs with `--v8-flags=--expose-gc` (the `ingest` and
 * `demo` tasks do), {@linkcode collectGarbage} collects once RSS has grown by
 * {@linkcode GC_GROWTH_BYTES} since the last collection (a full collection costs tens of
 * milliseconds, so not after every small step). Without `gc` exposed it does nothing.
 *
 * @module
 */

/** RSS growth (bytes) after which {@linkcode collectGarbage} collects, when `gc` is exposed. */
export const GC_GROWTH_BYTES = 64 * 2 ** 20;

let _lastCollectedRss = 0;

/** Options of {@linkcode collectGarbage}. */
export interface CollectGarbageOptions {
  /** Collect whatever the growth (after a step known to be large). @default {false} */
  always?: boolean;
}

/**
 * Run a full garbage collection if `gc` is exposed and RSS grew by {@linkcode GC_GROWTH_BYTES}
 * since the last one (or `always`).
 *
 * @param options Whether to collect whatever the growth.
 * @example
 * ```ts
 * import { collectGarbage } from "./collect_garbage.ts";
 * collectGarbage(); // a no-op unless run with --v8-flags=--expose-gc
 * ```
 */
export function collectGarbage(options: CollectGarbageOptions = {}): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  const rss = Deno.memoryUsage().rss;
  if (!options.always && rss - _lastCollectedRss < GC_GROWTH_BYTES) return;
  gc();
  _lastCollectedRss = Deno.memoryUsage().rss;
}
