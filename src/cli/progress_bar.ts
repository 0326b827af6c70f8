/**
 * A progress bar drawn on stderr, fed by the ingestion loop's progress callback.
 *
 * On a terminal it redraws one line in place; otherwise (CI logs, pipes) it prints a line every
 * tenth of the way, so logs stay short.
 *
 * @module
 */

/** Options of {@linkcode ProgressBar}. */
export interface ProgressBarOptions {
  /** Label in front of the bar. @default {"ingest"} */
  label?: string;
  /** Bar width in characters. @default {30} */
  width?: number;
  /** Where to write. @default {a stderr writer} */
  write?: (text: string) => void;
  /** Whether to redraw in place. @default {whether stderr is a terminal} */
  interactive?: boolean;
}

/** One progress step. */
export interface ProgressUpdate {
  /** Steps done. */
  done: number;
  /** Steps in total. */
  total: number;
  /** Current item, e.g. a file path. @default {""} */
  file?: string;
  /** Outcome of the current item, e.g. `success`. @default {""} */
  status?: string;
  /** Items still running (several with parallel jobs). @default {[]} */
  running?: readonly string[];
}

/** A text progress bar. */
export class ProgressBar {
  #label: string;
  #width: number;
  #write: (text: string) => void;
  #interactive: boolean;
  #lastDecile = -1;
  #counts = new Map<string, number>();
  #last: ProgressUpdate = { done: 0, total: 0 };

  /**
   * @param options Label, width, writer and mode.
   * @example
   * ```ts
   * import { ProgressBar } from "./progress_bar.ts";
   * let out = "";
   * const bar = new ProgressBar({ write: (t) => { out += t; }, interactive: false });
   * bar.update({ done: 10, total: 10, file: "a.csv.gz", status: "success" });
   * bar.finish();
   * if (!out.includes("10/10") || !out.includes("success 1")) throw new Error(out);
   * ```
   */
  constructor(options: ProgressBarOptions = {}) {
    this.#label = options.label ?? "ingest";
    this.#width = options.width ?? 30;
    const enc = new TextEncoder();
    this.#write = options.write ?? ((t: string) => Deno.stderr.writeSync(enc.encode(t)));
    this.#interactive = options.interactive ?? _isTerminal();
  }

  /**
   * Draw one step.
   *
   * @param update Done/total and the current item.
   */
  update(update: ProgressUpdate): void {
    this.#last = update;
    if (update.status) this.#counts.set(update.status, (this.#counts.get(update.status) ?? 0) + 1);
    const total = Math.max(update.total, 1);
    const frac = Math.min(1, update.done / total);
    const filled = Math.round(frac * this.#width);
    const bar = "#".repeat(filled) + "-".repeat(this.#width - filled);
    const counts = [...this.#counts].map(([k, v]) => `${k} ${v}`).join(", ");
    const text = `${this.#label} [${bar}] ${update.done}/${update.total}` +
      (counts ? ` (${counts})` : "");
    if (this.#interactive) {
      const files = update.running !== undefined && update.running.length > 0
        ? update.running
        : update.file
        ? [update.file]
        : [];
      const shown = files.map((f) => _shorten(f, Math.floor(60 / files.length) + 10)).join(" | ");
      this.#write(`\r\x1b[2K${text}${shown ? ` ${shown}` : ""}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.#lastDecile) {
        this.#lastDecile = decile;
        this.#write(`${text}\n`);
      }
    }
  }

  /**
   * Show the items running now (a file started) without counting a step.
   *
   * @param running The items running.
   * @example
   * ```ts
   * import { ProgressBar } from "./progress_bar.ts";
   * let out = "";
   * const bar = new ProgressBar({ write: (t) => { out += t; }, interactive: true });
   * bar.running(["a.csv.gz", "b.csv.gz"]);
   * if (!out.includes("a.csv.gz | b.csv.gz")) throw new Error(out);
   * ```
   */
  running(running: readonly string[]): void {
    if (!this.#interactive) return;
    this.update({ ...this.#last, status: undefined, running });
  }

  /** End the bar's line. */
  finish(): void {
    if (this.#interactive) this.#write("\n");
  }
}

function _shorten(text: string, max: number): string {
  return text.length <= max ? text : `...${text.slice(text.length - max + 3)}`;
}

function _isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
