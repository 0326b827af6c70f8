/**
 * A live progress display for long work in a notebook: one output area that updates in
 * place (a Jupyter display with a `display_id`), or plain log lines outside Jupyter.
 *
 * @module
 */
import { _kernelJupyter } from "./_kernel.ts";
import { _checkArgument, _checkOptions } from "./_check_options.ts";

/** One progress report, as the ingestion loop's `onProgress` callback sends it. */
export interface ProgressEvent {
  /** Items finished so far. */
  done: number;
  /** Items in total. */
  total: number;
  /** The item just finished (e.g. a bronze file path). */
  file?: string;
  /** Its outcome (e.g. `success`, `failed`, `quarantined`). */
  status?: string;
  /** Rows written for it. */
  rows?: number;
}

/** Options of {@linkcode progressDisplay}. */
export interface ProgressDisplayOptions {
  /**
   * Where plain-text lines go outside Jupyter.
   *
   * @default {console.log}
   */
  log?: (line: string) => void;
  /**
   * Use the Jupyter display even when `Deno.jupyter` is missing (for tests, pass a stub).
   *
   * @default {Deno.jupyter} when running in the Deno kernel
   */
  jupyter?: { display(obj: unknown, options?: Record<string, unknown>): Promise<void> };
}

/** A progress display: call `update` for each event; `summary` holds the counts so far. */
export interface ProgressDisplay {
  /** Show one progress event (the ingestion loop's `onProgress`). */
  update(event: ProgressEvent): Promise<void>;
  /** Counts by status, and rows, so far. */
  readonly summary: { byStatus: Record<string, number>; rows: number; done: number; total: number };
}

function _escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A progress display that updates one Jupyter output in place: a bar, `done / total`, the
 * last file and its status, and counts by status.
 *
 * @param title What is in progress, e.g. `"Ingesting"`.
 * @param options Output channels.
 * @returns A display whose `update` fits the ingestion loop's `onProgress`.
 * @example
 * ```ts
 * import { progressDisplay } from "./progress_display.ts";
 * const lines: string[] = [];
 * const progress = progressDisplay("Ingesting", { log: (l) => lines.push(l) });
 * await progress.update({ done: 1, total: 2, file: "a.csv.gz", status: "success", rows: 10 });
 * if (progress.summary.rows !== 10 || lines.length !== 1) throw new Error("not counted");
 * ```
 */
export function progressDisplay(
  title: string,
  options: ProgressDisplayOptions = {},
): ProgressDisplay {
  _checkArgument("progressDisplay", "title", title, ["string"]);
  _checkOptions("progressDisplay", options, {
    optional: { log: ["function"], jupyter: ["object"] },
  });
  const jupyter = options.jupyter ?? _kernelJupyter();
  const log = options.log ?? console.log;
  const displayId = `pointline-progress-${crypto.randomUUID()}`;
  const summary = { byStatus: {} as Record<string, number>, rows: 0, done: 0, total: 0 };
  let shown = false;
  return {
    summary,
    async update(event: ProgressEvent): Promise<void> {
      summary.done = event.done;
      summary.total = event.total;
      summary.rows += event.rows ?? 0;
      if (event.status) {
        summary.byStatus[event.status] = (summary.byStatus[event.status] ?? 0) + 1;
      }
      const counts = Object.entries(summary.byStatus).map(([k, v]) => `${k} ${v}`).join(", ");
      const line = `${title}: ${event.done}/${event.total}` +
        (event.file ? ` ${event.file}` : "") + (event.status ? ` → ${event.status}` : "") +
        (event.rows !== undefined ? ` (${event.rows} rows)` : "");
      if (jupyter === undefined) {
        log(line);
        return;
      }
      const pct = event.total > 0 ? Math.round((100 * event.done) / event.total) : 100;
      const html = `<div style="font-family:monospace">` +
        `<b>${_escape(title)}</b> ${event.done}/${event.total} ` +
        `<progress value="${event.done}" max="${Math.max(1, event.total)}"></progress> ${pct}%` +
        `<br/>${_escape(event.file ?? "")} ${_escape(event.status ?? "")}` +
        `<br/>${_escape(counts)}; ${summary.rows} rows</div>`;
      const text = `${line}\n${counts}; ${summary.rows} rows`;
      await jupyter.display(
        { "text/html": html, "text/plain": text },
        { raw: true, display_id: displayId, update: shown },
      );
      shown = true;
    },
  };
}
