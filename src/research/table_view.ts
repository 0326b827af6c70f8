/**
 * Show a DataFrame in a notebook as an HTML table that keeps what matters to market data:
 * 64-bit integers exactly (symbol ids, microsecond timestamps), dates and times in ISO form
 * with their microseconds, binary values as lowercase hex, and only the first rows of a long
 * frame.
 *
 * (The Deno kernel renders a bare DataFrame too, but through JavaScript numbers and `Date`
 * objects: 64-bit ids lose digits, and dates show as long local-time strings.)
 *
 * @module
 */
import pl from "nodejs-polars";
import { binaryAsHex, polarsTypesOf } from "../io/delta/binary_column.ts";
import { _checkOptions } from "./_check_options.ts";
import type { DataFrame, DataType, Expr } from "../polars_types.ts";

/** Options of {@linkcode tableView}. */
export interface TableViewOptions {
  /**
   * Show at most this many rows (the first ones).
   *
   * @default {20}
   */
  rows?: number;
  /**
   * Add a readable UTC time column next to each Int64 `*_us` column (e.g. `ts_local_us`).
   *
   * @default {false}
   */
  times?: boolean;
}

/** A frame prepared for display; it renders itself in Jupyter. */
export class TableView {
  /** The rows shown, every column as text (nulls as `null`). */
  readonly cells: (string | null)[][];
  /** Column names. */
  readonly columns: string[];
  /** Column data types, as Polars names them. */
  readonly dtypes: string[];
  /** Rows in the whole frame. */
  readonly height: number;

  /**
   * Create a `TableView`.
   *
   * @param columns Column names.
   * @param dtypes Column data types.
   * @param cells Row-major text cells.
   * @param height Rows in the whole frame.
   */
  constructor(columns: string[], dtypes: string[], cells: (string | null)[][], height: number) {
    this.columns = columns;
    this.dtypes = dtypes;
    this.cells = cells;
    this.height = height;
  }

  /**
   * The HTML table (with a shape caption).
   *
   * @returns HTML markup.
   */
  toHTML(): string {
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const head = this.columns.map((c, i) =>
      `<th>${esc(c)}<br/><span style="font-weight:normal;opacity:0.6">${
        esc(this.dtypes[i])
      }</span></th>`
    ).join("");
    const body = this.cells.map((row) =>
      `<tr>${
        row.map((v) => v === null ? `<td style="opacity:0.5">null</td>` : `<td>${esc(v)}</td>`)
          .join("")
      }</tr>`
    ).join("");
    const shown = this.cells.length < this.height ? `, first ${this.cells.length} shown` : "";
    return `<div><small>${this.height} rows × ${this.columns.length} columns${shown}</small>` +
      `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  }

  /**
   * A plain-text rendering (tab-separated, with the shape on the first line).
   *
   * @returns Text.
   */
  toText(): string {
    const lines = [
      `${this.height} rows × ${this.columns.length} columns`,
      this.columns.join("\t"),
      ...this.cells.map((r) => r.map((v) => v ?? "null").join("\t")),
    ];
    return lines.join("\n");
  }

  /**
   * Display hook of the Deno Jupyter kernel.
   *
   * @returns HTML and plain-text representations.
   */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/html": this.toHTML(), "text/plain": this.toText() };
  }
}

function _dtypeName(dtype: DataType): string {
  // nodejs-polars prints e.g. "DataType(List(DataType(Float64)))"; keep "List(Float64)".
  let name = String(dtype);
  for (let i = 0; i < 4 && name.includes("DataType("); i++) {
    name = name.replace(/DataType\(([^()]*(?:\([^()]*\))?)\)/g, "$1");
  }
  return name.replace(/,\)/g, ")");
}

/** A text expression for one column, exact for 64-bit integers and temporal types. */
function _asText(name: string, dtype: DataType): Expr {
  const variant = String(dtype.variant);
  const col = pl.col(name);
  if (variant === "Binary") return binaryAsHex(name);
  if (variant === "List") {
    return col.lst.eval(pl.element().cast(pl.Utf8)).lst.join(", ").alias(name);
  }
  if (variant === "Datetime") {
    return col.dt.strftime("%Y-%m-%d %H:%M:%S%.6f").alias(name);
  }
  return col.cast(pl.Utf8).alias(name);
}

/**
 * Prepare a DataFrame for display: the first `rows` rows, every value rendered exactly.
 *
 * @param df The frame.
 * @param options Row limit and readable time columns.
 * @returns A {@linkcode TableView} that renders as an HTML table in Jupyter.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { tableView } from "./table_view.ts";
 * const df = pl.DataFrame({ symbol_id: pl.Series("symbol_id", ["-3012303369023998542"]).cast(pl.Int64) });
 * const view = tableView(df);
 * if (view.cells[0][0] !== "-3012303369023998542") throw new Error("64-bit id must stay exact");
 * ```
 */
export function tableView(df: DataFrame, options: TableViewOptions = {}): TableView {
  _checkOptions("tableView", options, { optional: { rows: ["number"], times: ["boolean"] } });
  const limit = options.rows ?? 20;
  let head = df.head(limit);
  let types = polarsTypesOf(head);
  if (options.times) {
    const extra: Expr[] = [];
    const order: string[] = [];
    for (const name of head.columns) {
      order.push(name);
      const dtype = types[name];
      if (name.endsWith("_us") && String(dtype.variant) === "Int64") {
        const readable = `${name.slice(0, -3)}_time`;
        if (!head.columns.includes(readable)) {
          extra.push(pl.col(name).cast(pl.Datetime("us")).alias(readable));
          order.push(readable);
        }
      }
    }
    if (extra.length > 0) {
      head = head.withColumns(...extra).select(...order);
      types = polarsTypesOf(head);
    }
  }
  const dtypes = head.columns.map((c) => _dtypeName(types[c]));
  const text = head.select(...head.columns.map((c) => _asText(c, types[c])));
  const columns = text.columns.map((c) => text.getColumn(c).toArray() as (string | null)[]);
  const cells = Array.from({ length: text.height }, (_, i) => columns.map((col) => col[i]));
  return new TableView(head.columns, dtypes, cells, df.height);
}
