/**
 * The quarantine table: vendor rows that were not written to their event table, each with
 * the file and physical line it came from, the rule it failed and why.
 *
 * One record per rejected row (a row failing several rules is recorded once, under the first
 * rule it fails; `detail` says what was wrong). `(file_id, file_line_number)` points back to
 * the exact line of the bronze file, and `raw` holds the row's vendor fields as text, so a
 * rejected row can be inspected without reopening the file.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, Expr } from "../polars_types.ts";
import { conformToSchema, type TableSchema } from "./table_schema.ts";

/** Schema of the quarantined-rows table (`silver/quarantine`), partitioned by data type. */
export const QUARANTINE_SCHEMA: TableSchema = Object.freeze({
  name: "quarantine",
  columns: Object.freeze(
    [
      { name: "file_id", type: "int64", nullable: false, doc: "Manifest id of the bronze file" },
      {
        name: "data_type",
        type: "utf8",
        nullable: false,
        doc: "Tardis data type of the file, e.g. trades",
      },
      { name: "exchange", type: "utf8", nullable: false, doc: "Exchange named by the file's path" },
      { name: "date", type: "date", nullable: false, doc: "Date named by the file's path (UTC)" },
      {
        name: "file_line_number",
        type: "int64",
        nullable: false,
        doc: "Physical line in the vendor file (header = 1)",
      },
      { name: "rule", type: "utf8", nullable: false, doc: "Name of the first rule the row failed" },
      { name: "detail", type: "utf8", nullable: true, doc: "What was wrong, with the values" },
      { name: "raw", type: "utf8", nullable: true, doc: "The row's vendor fields, comma-joined" },
    ] as const,
  ),
  partitionBy: Object.freeze(["data_type"]),
  sortBy: Object.freeze(["file_id", "file_line_number"]),
}) as TableSchema;

/** Where quarantined rows came from. */
export interface QuarantineSource {
  /** Manifest id of the bronze file. */
  fileId: bigint | number;
  /** Tardis data type, e.g. `"trades"`. */
  dataType: string;
  /** Exchange named by the file's path. */
  exchange: string;
  /** Date named by the file's path, `YYYY-MM-DD`. */
  date: string;
}

/**
 * Turn rejected rows (`file_line_number`, `rule`, `detail`, `raw`) into quarantine records.
 *
 * @param rejected Rows with at least `file_line_number` and `rule`; `detail` and `raw` are
 * optional.
 * @param source The file the rows came from.
 * @returns A frame conformed to {@linkcode QUARANTINE_SCHEMA}, sorted by line number.
 * @throws {RangeError} When `fileId` is not a safe integer or `date` is not `YYYY-MM-DD`.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { toQuarantineRows } from "./quarantine.ts";
 * const rejected = pl.DataFrame({ file_line_number: [7], rule: ["price_positive"] });
 * const q = toQuarantineRows(rejected, {
 *   fileId: 3,
 *   dataType: "trades",
 *   exchange: "binance",
 *   date: "2020-02-22",
 * });
 * if (q.getColumn("file_id").get(0) !== 3) throw new Error("file id lost");
 * ```
 */
export function toQuarantineRows(rejected: DataFrame, source: QuarantineSource): DataFrame {
  const withText = (name: string) =>
    rejected.columns.includes(name)
      ? pl.col(name).cast(pl.String)
      : pl.lit(null).cast(pl.String).alias(name);
  const frame = rejected.select(
    fileIdLiteral(source.fileId).alias("file_id"),
    pl.lit(source.dataType).alias("data_type"),
    pl.lit(source.exchange).alias("exchange"),
    dateLiteral(source.date).alias("date"),
    pl.col("file_line_number").cast(pl.Int64),
    pl.col("rule").cast(pl.String),
    withText("detail"),
    withText("raw"),
  );
  return conformToSchema(frame, QUARANTINE_SCHEMA).sort("file_line_number");
}

/**
 * An Int64 literal of a file id.
 *
 * @param fileId A manifest file id.
 * @returns An Int64 literal expression.
 * @throws {RangeError} When the id is not a non-negative safe integer.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { fileIdLiteral } from "./quarantine.ts";
 * const df = pl.DataFrame({ x: [1] }).select(fileIdLiteral(42n).alias("file_id"));
 * if (df.getColumn("file_id").get(0) !== 42) throw new Error("42 expected");
 * ```
 */
export function fileIdLiteral(fileId: bigint | number): Expr {
  const id = Number(fileId);
  if (!Number.isSafeInteger(id) || id < 0 || BigInt(id) !== BigInt(fileId)) {
    throw new RangeError(`Invalid file id "${fileId}": expected a non-negative safe integer`);
  }
  return pl.lit(id).cast(pl.Int64);
}

/**
 * A Date literal from `YYYY-MM-DD`.
 *
 * @param date A calendar date, `YYYY-MM-DD`.
 * @returns A Date literal expression.
 * @throws {RangeError} When the text is not a valid `YYYY-MM-DD` date.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { dateLiteral } from "./quarantine.ts";
 * const df = pl.DataFrame({ x: [1] }).select(dateLiteral("2020-02-22").alias("d"));
 * if (!df.getColumn("d").dtype.equals(pl.Date)) throw new Error("not a Date");
 * ```
 */
export function dateLiteral(date: string): Expr {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`Invalid date "${date}": expected YYYY-MM-DD`);
  }
  const days = ms / 86_400_000;
  return pl.lit(days).cast(pl.Int32).cast(pl.Date);
}
