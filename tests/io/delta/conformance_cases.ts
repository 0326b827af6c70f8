/**
 * The Delta conformance cases: how each table of `../shared/fixtures/delta/INDEX.tsv` is
 * checked, and the ONE list of unsupported cases with their reasons.
 *
 * Sources of expectations, strongest first:
 * 1. `expected/*.parquet` (kernel-rs golden tables, Spark output): the full table content at the
 *    latest version, compared as a multiset of rows.
 * 2. `EXPECTED.from-tests.json` files, copied by hand from upstream test code: versions, live
 *    files per version, values per version, time travel by timestamp, must-fail flags.
 * 3. INDEX.tsv column 8 (`MUST FAIL`, latest version in column 6).
 * 4. `conformance_oracle.json`: what delta-rs (Python `deltalake` 1.6.6, an independent
 *    implementation) sees in each table: version, protocol, metadata id, partition columns, the
 *    parsed schema (field metadata included), the live file list (count and a hash of the
 *    sorted paths) and the row count (read, or the sum of `numRecords` minus the rows its
 *    deletion vectors drop), at the latest and every older version it can load. Regenerate
 *    with `python3 tests/io/delta/conformance_oracle.py`.
 * 5. Hand-checked values recorded in {@linkcode HAND_CHECKED} and {@linkcode OVERRIDES}.
 * 6. A live peer read (second test in conformance_test.ts): every other readable table is
 *    compared in full with delta-rs's read, or with pyarrow reading the live files that
 *    delta-rs lists (with its decoded deletion vectors, typed partition values, column
 *    mapping renames and type widening casts) where delta-rs cannot read the table itself.
 *
 * Nothing is derived from our own reading of the log.
 *
 * Reader issues found by this suite, all fixed by the reader:
 * - 7f4a931: INT96 timestamps beyond 2262 (delta-rs/table_with_edge_timestamps) read saturated.
 * - 44b43e9: file skipping compared float32 statistics (`46.566`) as doubles and used
 *   pre-widening statistics of type-widened columns, skipping files that hold matching rows.
 *
 * @module
 */
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import oracleJson from "./conformance_oracle.json" with { type: "json" };

/** One line of INDEX.tsv. */
export interface IndexRow {
  /** Upstream repository. */
  sourceRepo: string;
  /** Table root relative to the corpus folder. */
  root: string;
  /** Size of the case folder in bytes (expected data included). */
  sizeBytes: number;
  /** Latest version found by the corpus authors. */
  latestVersion: number;
  /** Comma-separated features found in the log. */
  features: string[];
  /** Where expectations come from (column 8). */
  expectedResults: string;
  /** Free-text notes (column 10). */
  notes: string;
}

/** What delta-rs saw in one table (see conformance_oracle.py). */
export interface OracleRecord {
  /** Why delta-rs could not open it. */
  openError?: string;
  /** Why delta-rs could not read its rows. */
  readError?: string;
  /** Latest version. */
  version?: number;
  /** `[minReader, minWriter, readerFeatures, writerFeatures]`. */
  protocol?: [number, number, string[], string[]];
  /** `metaData.id`. */
  metadataId?: string;
  /** Partition columns. */
  partitionColumns?: string[];
  /** The table schema as delta-rs parsed it (Delta schema JSON, field metadata included). */
  schema?: unknown;
  /** `[version, commitInfo.operation]` per commit, newest first, as delta-rs lists them. */
  history?: [number, string | null][];
  /** Number of live files. */
  files?: number;
  /** First 16 hex digits of SHA-256 of the sorted live paths joined by `\n`. */
  filesSha256?: string;
  /** Row count of a full read. */
  rows?: number;
  /** Sum of `numRecords` minus rows deleted by deletion vectors. */
  statsRows?: number;
  /** The same facts (files, filesSha256, rows, statsRows) for each older version delta-rs could load. */
  versions?: Record<string, Pick<OracleRecord, "files" | "filesSha256" | "rows" | "statsRows">>;
  /** Column names of a full read, sorted. */
  columns?: string[];
}

/** The oracle records, keyed by table root. */
export const ORACLE: Record<string, OracleRecord> =
  (oracleJson as unknown as { tables: Record<string, OracleRecord> }).tables;

/** How a case is checked. */
export type CaseKind =
  /** Full read equals `expected/*.parquet` (plus the oracle's log checks). */
  | "golden"
  /** Full read succeeds; version, protocol, files and row count match the expectations. */
  | "read"
  /** The data files are absent upstream: version, protocol, metadata and live files only. */
  | "logOnly"
  /** Opening or reading must fail with a typed `DeltaError`. */
  | "mustFail"
  /** Out of scope by decision: must fail with `UnsupportedFeatureError` naming the feature. */
  | "unsupported";

/** A storage adaptation the test harness needs to read a table in place. */
export type StorageAdapter =
  /** Spark's DV tests write DV files as `test%dv%prefix-deletion_vector_<uuid>.bin`. */
  | "dvTestPrefix"
  /** The log holds a `{{FOLDER_WITH_SPECIAL_CHAR}}` template path for an absolute DV. */
  | "dvSpecialCharTemplate"
  /** Commit-file mtimes from EXPECTED.from-tests.json (git does not keep them). */
  | "commitMtimes";

/** One conformance case. */
export interface ConformanceCase {
  /** Table root relative to the corpus folder. */
  root: string;
  /** Absolute table path. */
  path: string;
  /** How it is checked. */
  kind: CaseKind;
  /** Where the expectation comes from, or why the case is unsupported. */
  reason: string;
  /** Latest version (INDEX.tsv column 6). */
  latestVersion: number;
  /** Features found in the log by the corpus authors (INDEX.tsv column 7). */
  indexFeatures: string[];
  /** Size of the case folder in bytes (INDEX.tsv column 5). */
  sizeBytes: number;
  /** Why the file-skipping check (filtered scan = full scan filtered) does not apply. */
  noSkippingCheck?: string;
  /** delta-rs's view, when it could open the table. */
  oracle?: OracleRecord;
  /** For `golden`: the folder of expected Parquet files. */
  expectedDir?: string;
  /** An EXPECTED.from-tests.json file with extra per-version checks. */
  expectedFile?: string;
  /** For `mustFail`: the error class names accepted (any `DeltaError` when absent). */
  failWith?: string[];
  /** For `unsupported` (and some must-fail cases): the feature names accepted. */
  features?: string[];
  /** Columns left out of the golden comparison, with the reason. */
  ignoreColumns?: { columns: string[]; reason: string };
  /** Harness adaptations needed to read the table in place. */
  storage?: StorageAdapter[];
  /** Hand-checked values (see {@linkcode HAND_CHECKED}). */
  hand?: HandChecked;
}

/** Values checked by hand (reading the log and data files with other tools) and recorded here. */
export interface HandChecked {
  /** Row count of a full read at the latest version. */
  rows?: number;
  /** Number of live files at the latest version. */
  files?: number;
  /** Values of one column (multiset) at the latest version. */
  values?: { column: string; values: (number | string | null)[] };
  /** Where the numbers come from. */
  source: string;
}

/**
 * Reader features out of scope by decision. Tables that need them must fail with
 * `UnsupportedFeatureError` naming the feature; they are counted as "unsupported".
 */
export const OUT_OF_SCOPE_FEATURES: Record<string, string> = {
  variantType: "variant columns (semi-structured binary encoding) are out of scope",
  "variantType-preview": "variant columns (preview name) are out of scope",
  "variantShredding-preview": "shredded variant columns are out of scope",
  catalogManaged: "catalog-managed tables need a catalog client to resolve ratified commits",
  catalogOwned: "catalog-owned tables (older name of catalogManaged) need a catalog client",
  "catalogOwned-preview": "catalog-owned tables (preview name) need a catalog client",
  geospatial: "geometry/geography types are out of scope",
};

/**
 * Cases whose expected outcome is decided here, with the reason. Everything not listed is
 * classified from INDEX.tsv and the EXPECTED files by {@linkcode conformanceCases}.
 */
export const OVERRIDES: Record<string, Partial<ConformanceCase> & { reason: string }> = {
  "delta-golden/corrupted-last-checkpoint": {
    kind: "mustFail",
    failWith: ["CorruptLogError"],
    reason: "metaData has no schemaString (required by PROTOCOL.md); delta-rs 1.6.6 and " +
      "kernel-rs reject it too (Delta Standalone-era test log)",
  },
  "kernel-rs-golden/deltalog-commit-info/delta": {
    kind: "mustFail",
    failWith: ["CorruptLogError"],
    reason: "metaData has no schemaString (required by PROTOCOL.md); delta-rs 1.6.6 rejects it",
  },
  "kernel-rs-golden/update-deleted-directory/delta": {
    kind: "mustFail",
    failWith: ["CorruptLogError"],
    reason: "metaData has no schemaString (required by PROTOCOL.md); delta-rs 1.6.6 rejects it",
  },
  "kernel-rs-golden/data-reader-absolute-paths-escaped-chars/delta": {
    kind: "mustFail",
    failWith: ["CorruptLogError"],
    reason: "the log has no metaData action at all (INDEX feature NO-METADATA); delta-rs 1.6.6 " +
      "fails with 'No table metadata found'",
  },
  "delta-rs/data_err_logs/table_c": {
    failWith: ["CorruptLogError"],
    reason: "delta-rs/data_err_logs/EXPECTED.from-tests.json: MUST FAIL (commit 12 missing " +
      "after checkpoint 10: a version gap)",
  },
  "kernel-rs-golden/deltalog-invalid-protocol-version/delta": {
    failWith: ["UnsupportedFeatureError"],
    reason: "MUST FAIL (kernel-rs negative_test): minReaderVersion 99",
  },
  "kernel-rs-golden/deltalog-state-reconstruction-from-checkpoint-missing-metadata/delta": {
    failWith: ["CorruptLogError"],
    reason: "MUST FAIL (kernel-rs negative_test): the checkpoint has no metaData",
  },
  "kernel-rs-golden/deltalog-state-reconstruction-from-checkpoint-missing-protocol/delta": {
    failWith: ["CorruptLogError"],
    reason: "MUST FAIL (kernel-rs negative_test): the checkpoint has no protocol",
  },
  "kernel-rs-golden/deltalog-state-reconstruction-without-metadata/delta": {
    failWith: ["CorruptLogError"],
    reason: "MUST FAIL (kernel-rs negative_test): the log has no metaData",
  },
  "kernel-rs-golden/no-delta-log-folder/delta": {
    failWith: ["TableNotFoundError"],
    reason: "MUST FAIL (kernel-rs negative_test): no _delta_log folder",
  },
  "kernel-rs-data/crc-malformed": {
    kind: "mustFail",
    failWith: ["TableNotFoundError", "CorruptLogError"],
    reason: "the log holds only a malformed 00000000000000000000.crc, no commit (INDEX: " +
      "NO-PROTOCOL, NO-METADATA, EMPTY-OR-NO-LOG); kernel-rs's test expects a failure",
  },
  "delta-rs/simple_table_features": {
    kind: "mustFail",
    failWith: ["UnsupportedFeatureError"],
    reason: "minReaderVersion 5 and reader feature 'blahabl' are unknown to the protocol; " +
      "delta-rs 1.6.6 refuses to open it too",
  },
  "kernel-rs-golden/data-reader-partition-values/delta": {
    ignoreColumns: {
      columns: ["as_timestamp"],
      reason: "the partition value '2021-09-08 11:11:11' has no zone and the writer's session " +
        "zone is not recorded; pointline (like kernel-rs and delta-rs) reads it as UTC, Spark's " +
        "expected data used America/Los_Angeles (kernel-rs skips this table for that reason)",
    },
    reason: "expected/*.parquet, except the zone-less timestamp partition column",
  },
  "delta-spark/table-with-dv-small": { storage: ["dvTestPrefix"], reason: "EXPECTED file" },
  "delta-spark/table-with-dv-large": { storage: ["dvTestPrefix"], reason: "EXPECTED file" },
  "delta-spark/partitioned-table-with-dv-large": {
    storage: ["dvTestPrefix"],
    reason: "EXPECTED file",
  },
  "delta-spark/table-with-dv-special-char": {
    storage: ["dvSpecialCharTemplate"],
    hand: {
      values: { column: "id", values: [1, 3, 5, 7, 9] },
      source: "INDEX note: content = range(0,10) with even ids deleted (DeletionVectorsSuite)",
    },
    reason: "INDEX note (Spark DeletionVectorsSuite): absolute-path DV in a folder with special " +
      "characters",
  },
  ...Object.fromEntries(
    ["normal-a", "normal-b", "special-a", "special-b"].map((v) => [
      `kernel-rs-golden/canonicalized-paths-${v}/delta`,
      {
        oracle: undefined,
        hand: {
          files: 0,
          rows: 0,
          source: "delta-io golden suite (canonicalized paths): the remove of `file:` + the " +
            "same absolute path cancels the add, so no file is live; delta-rs 1.6.6 keeps it " +
            "(kernel-rs lists this as its bug 'path canonicalization'), so its record is not used",
        },
        reason: "hand-checked: add '/some/...' then remove 'file:/some/...' leaves no live file",
      },
    ]),
  ),
  "kernel-rs-data/parsed-stats": {
    noSkippingCheck: "its statistics are synthetic: they give ts_col values and nullCount 0, " +
      "but the data files hold no ts_col column (kernel-rs uses it to test stats parsing only)",
    reason: "delta-rs oracle",
  },
  "delta-rs/simple_table": { storage: ["commitMtimes"], reason: "EXPECTED file" },
  "delta-rs/checkpoints_vacuumed": { storage: ["commitMtimes"], reason: "EXPECTED file" },
};

/** Hand-checked values for tables delta-rs cannot read (recorded with their source). */
export const HAND_CHECKED: Record<string, HandChecked> = {
  "delta-rs/table_with_edge_timestamps": {
    rows: 2,
    values: {
      column: "BIG_DATE",
      values: ["9999-12-30 00:00:00.000000+00:00", "9999-12-31 00:00:00.000000+00:00"],
    },
    source: "pyarrow read of both data files with coerce_int96_timestamp_unit='us' (INT96 " +
      "timestamps beyond 2262; delta-rs 1.6.6 and a nanosecond read overflow on them)",
  },
};

/**
 * Parse INDEX.tsv.
 *
 * @param text The file's text.
 * @returns One row per table.
 */
export function parseIndex(text: string): IndexRow[] {
  return text.trim().split("\n").slice(1).map((line) => {
    const c = line.split("\t");
    return {
      sourceRepo: c[0],
      root: c[3],
      sizeBytes: Number(c[4]),
      latestVersion: Number(c[5]),
      features: c[6].split(","),
      expectedResults: c[7],
      notes: c[9] ?? "",
    };
  });
}

/**
 * Whether a fixture path exists.
 *
 * @example
 * ```ts
 * console.assert(pathExists(".") && !pathExists("./no such fixture"));
 * ```
 */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every conformance case, classified.
 *
 * @param rows INDEX.tsv rows.
 * @returns The cases, in INDEX order.
 */
export function conformanceCases(rows: IndexRow[]): ConformanceCase[] {
  const errLogs = JSON.parse(
    Deno.readTextFileSync(`${DELTA_FIXTURES}/delta-rs/data_err_logs/EXPECTED.from-tests.json`),
  ) as { shouldError: Record<string, boolean> };
  return rows.map((row): ConformanceCase => {
    const path = `${DELTA_FIXTURES}/${row.root}`;
    const base: ConformanceCase = {
      root: row.root,
      path,
      kind: "read",
      reason: row.expectedResults,
      latestVersion: row.latestVersion,
      indexFeatures: row.features,
      sizeBytes: row.sizeBytes,
      oracle: ORACLE[row.root]?.openError ? undefined : ORACLE[row.root],
    };
    const readerFeatures = row.features.filter((f) => f.startsWith("rf:")).map((f) => f.slice(3));
    const outOfScope = readerFeatures.filter((f) => f in OUT_OF_SCOPE_FEATURES);
    const caseDir = path.replace(/\/delta$/, "");
    const expectedFile = `${caseDir}/EXPECTED.from-tests.json`;
    if (pathExists(expectedFile)) base.expectedFile = expectedFile;
    if (row.root.startsWith("delta-rs/data_err_logs/")) {
      const name = row.root.split("/").pop()!;
      if (errLogs.shouldError[name] === true) {
        base.kind = "mustFail";
        base.reason = "delta-rs/data_err_logs/EXPECTED.from-tests.json: MUST FAIL to open";
        if (outOfScope.length) {
          base.failWith = ["UnsupportedFeatureError"];
          base.features = outOfScope;
          base.reason += ` (${outOfScope.join(", ")}: ${OUT_OF_SCOPE_FEATURES[outOfScope[0]]})`;
        }
      } else {
        base.kind = "logOnly";
      }
    } else if (outOfScope.length) {
      base.kind = "unsupported";
      base.features = outOfScope;
      base.reason = outOfScope.map((f) => `${f}: ${OUT_OF_SCOPE_FEATURES[f]}`).join("; ");
    } else if (/MUST FAIL/.test(row.expectedResults)) {
      base.kind = "mustFail";
    } else if (row.features.some((f) => f.startsWith("LOG-ONLY"))) {
      base.kind = "logOnly";
    } else if (
      row.root.startsWith("kernel-rs-golden/") && pathExists(`${caseDir}/expected`) &&
      [...Deno.readDirSync(`${caseDir}/expected`)].some((e) => e.name.endsWith(".parquet"))
    ) {
      base.kind = "golden";
      base.expectedDir = `${caseDir}/expected`;
    }
    const override = OVERRIDES[row.root];
    const merged: ConformanceCase = override ? { ...base, ...override } : base;
    if (HAND_CHECKED[row.root]) merged.hand = HAND_CHECKED[row.root];
    return merged;
  });
}
