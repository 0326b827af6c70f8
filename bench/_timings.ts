/**
 * Timings a benchmark records itself, for the ratios it prints at the end (against figures
 * measured outside `Deno.bench`, such as a Python peer's).
 *
 * @module
 */

/** Recorded durations in milliseconds, by name. */
export const timings: Record<string, number[]> = {};

/** Wrap an async benchmark body so each run's duration is recorded under `name`. */
export function timed(name: string, fn: () => Promise<unknown>): () => Promise<void> {
  return async () => {
    const t0 = performance.now();
    await fn();
    (timings[name] ??= []).push(performance.now() - t0);
  };
}

/** The mean of some durations (`NaN` for none). */
export const mean = (xs: number[] = []): number =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;

/**
 * The machine's 1-minute load average, printed with figures (a busy machine skews even ratios
 * measured in one run); `unknown` where `/proc/loadavg` does not exist.
 */
export function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
  } catch {
    return "unknown";
  }
}
