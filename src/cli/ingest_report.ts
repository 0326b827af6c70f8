/**
 * Text summaries of an ingestion run for the `ingest` and `demo` jobs.
 *
 * @module
 */
import { firstControlCharacter } from "../io/bronze_layout.ts";
import type { IngestRunResult } from "../services/ingestion_service.ts";
import { formatTable } from "./table.ts";

/** Options of {@linkcode formatIngestReport}. */
export interface IngestReportOptions {
  /** Most problem files listed per section. @default {20} */
  maxListed?: number;
}

/**
 * The summary of a run: files by status, rows by table, then the failed, quarantined,
 * unmatched and unsupported files and the folders that could not be listed, with their
 * reasons. A path holding a control character (a newline) is shown JSON-escaped, so every
 * problem stays on one line.
 *
 * @param result The run's result.
 * @param options How many problem files to list.
 * @returns Multi-line text.
 * @example
 * ```ts
 * import { formatIngestReport } from "./ingest_report.ts";
 * const text = formatIngestReport({
 *   discovered: 1, pending: 1, files: [], unmatched: [{ bronze_path: "x.txt", reason: "not CSV" }],
 *   unreadable: [], unsupported: [], byStatus: { pending: 0, success: 1, failed: 0, quarantined: 0 }, rowsByTable: { trades: 5 },
 * });
 * if (!text.includes("x.txt") || !text.includes("trades")) throw new Error(text);
 * ```
 */
export function formatIngestReport(
  result: IngestRunResult,
  options: IngestReportOptions = {},
): string {
  const max = options.maxListed ?? 20;
  const out: string[] = [];
  out.push(
    `Discovered ${result.discovered} file(s), ${result.pending} pending, ` +
      `${result.files.length} processed.`,
  );
  const statusRows = (["success", "quarantined", "failed", "pending"] as const)
    .filter((s) => result.byStatus[s] > 0)
    .map((s) => ({ status: s, files: result.byStatus[s] }));
  if (statusRows.length > 0) out.push("", formatTable(statusRows));
  const tableRows = Object.entries(result.rowsByTable).sort().map(([table, rows]) => ({
    table,
    rows_written: rows,
  }));
  if (tableRows.length > 0) out.push("", formatTable(tableRows));
  const section = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    out.push("", `${title} (${lines.length}):`);
    for (const l of lines.slice(0, max)) out.push(`  ${l}`);
    if (lines.length > max) out.push(`  ... and ${lines.length - max} more`);
  };
  section(
    "Failed",
    result.files.filter((f) => f.status === "failed").map((f) =>
      `${_path(f.meta.bronze_path)}: ${f.message}`
    ),
  );
  section(
    "Quarantined",
    result.files.filter((f) => f.status === "quarantined").map((f) =>
      `${_path(f.meta.bronze_path)}: ${f.message}`
    ),
  );
  section(
    "Partly quarantined rows",
    result.files.filter((f) => f.status === "success" && f.rowsQuarantined > 0).map((f) =>
      `${_path(f.meta.bronze_path)}: ${f.message}`
    ),
  );
  section(
    "Not in a bronze layout",
    result.unmatched.map((u) => `${_path(u.bronze_path)}: ${u.reason}`),
  );
  section(
    "Folders that could not be listed",
    result.unreadable.filter((u) => u.candidate === undefined).map((u) =>
      `${_path(u.bronze_path)}: ${u.reason}`
    ),
  );
  section(
    "No event table for the data type",
    result.unsupported.map((m) => `${_path(m.bronze_path)} (${m.data_type})`),
  );
  return out.join("\n");
}

/** A bronze path on one line: JSON-escaped when it holds a control character. */
function _path(path: string): string {
  return firstControlCharacter(path) === undefined ? path : JSON.stringify(path);
}
