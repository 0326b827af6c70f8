/**
 * Display a value in a notebook right away, as a display message rather than as the
 * cell's result.
 *
 * A cell's last expression is displayed by the Deno kernel (2.x) as the cell's result; that
 * message is now and then sent after the kernel reports the cell idle, and front-ends that
 * stop listening at idle (`jupyter nbconvert --execute` among them) drop it. The same can
 * happen to a display message sent just before the cell ends. `show` sends a display message
 * and then yields for a few milliseconds, so the kernel sends it before the cell finishes
 * (measured: 2 of 40 late without the pause, 0 of 80 with it). It also works inside loops
 * and functions.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { _kernelJupyter, type JupyterApi } from "./_kernel.ts";
import { tableView } from "./table_view.ts";
import { _checkOptions } from "./_check_options.ts";

/** Options of {@linkcode show}. */
export interface ShowOptions {
  /**
   * Where to display; outside Jupyter the text form is logged instead.
   *
   * @default {Deno.jupyter} inside the Deno kernel
   */
  jupyter?: JupyterApi;
  /**
   * Milliseconds to yield after a Jupyter display so the kernel sends it before the cell ends.
   *
   * @default {10}
   */
  flushMs?: number;
  /**
   * Where the text form goes outside Jupyter.
   *
   * @default {console.log}
   */
  log?: (text: string) => void;
}

/**
 * Display a chart, a table view, a DataFrame or Series (as {@linkcode tableView}: 64-bit
 * integers and times exact) or any value now.
 *
 * @param value What to display.
 * @param options Output channels.
 * @returns Once the display message is sent.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { show } from "./show.ts";
 * const shown: unknown[] = [];
 * const jupyter = { display: (b: unknown) => (shown.push(b), Promise.resolve()) };
 * await show(pl.DataFrame({ a: [1] }), { jupyter });
 * if (!("text/html" in (shown[0] as object))) throw new Error("a DataFrame shows as HTML");
 * ```
 */
export async function show(value: unknown, options: ShowOptions = {}): Promise<void> {
  _checkOptions("show", options, {
    optional: { jupyter: ["object"], flushMs: ["number"], log: ["function"] },
  });
  const shown = _isDataFrame(value)
    ? tableView(value as pl.DataFrame)
    : _isSeries(value)
    ? tableView((value as pl.Series).toFrame())
    : value;
  const hook = (shown as Record<symbol, unknown> | null)?.[Symbol.for("Jupyter.display")];
  const bundle = typeof hook === "function"
    ? await (hook as () => unknown).call(shown) as Record<string, unknown>
    : undefined;
  const jupyter = options.jupyter ?? _kernelJupyter();
  if (jupyter) {
    if (bundle) await jupyter.display(bundle, { raw: true });
    else await jupyter.display(shown, { raw: false });
    await new Promise((resolve) => setTimeout(resolve, options.flushMs ?? 10));
    return;
  }
  const text = bundle?.["text/plain"];
  (options.log ?? console.log)(typeof text === "string" ? text : String(shown));
}

function _isSeries(value: unknown): boolean {
  const v = value as { toFrame?: unknown; dtype?: unknown } | null;
  return typeof value === "object" && v !== null && typeof v.toFrame === "function" &&
    v.dtype !== undefined;
}

function _isDataFrame(value: unknown): boolean {
  const v = value as { lazy?: unknown; getColumn?: unknown; collectSync?: unknown } | null;
  return typeof value === "object" && v !== null && typeof v.getColumn === "function" &&
    typeof v.lazy === "function";
}
