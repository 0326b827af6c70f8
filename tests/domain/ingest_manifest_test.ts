import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  assertTransition,
  canTransition,
  filterPending,
  INGEST_MANIFEST_SCHEMA,
  INGEST_STATUSES,
  InvalidStatusTransitionError,
  statusAfterTransform,
  supersededFileIds,
  supersededFiles,
} from "../../src/domain/ingest_manifest.ts";
import { emptyFrame } from "../../src/domain/table_schema.ts";

function manifest(rows: [id: number, path: string, sha: string, status: string][]): pl.DataFrame {
  return pl.DataFrame({
    file_id: pl.Series("file_id", rows.map((r) => r[0]), pl.Int64),
    bronze_path: rows.map((r) => r[1]),
    sha256: rows.map((r) => r[2]),
    status: rows.map((r) => r[3]),
  });
}

function candidates(rows: [path: string, sha: string][]): pl.DataFrame {
  return pl.DataFrame({
    bronze_path: rows.map((r) => r[0]),
    sha256: rows.map((r) => r[1]),
    file_size_bytes: pl.Series("file_size_bytes", rows.map(() => 10), pl.Int64),
  });
}

function pending(df: pl.DataFrame): [string, string, number | null][] {
  return df.sort("bronze_path").toRecords().map((
    r,
  ) => [r.bronze_path as string, r.pending_reason as string, r.file_id as number | null]);
}

const MANIFEST = manifest([
  [1, "a.csv.gz", "a1", "success"],
  [2, "b.csv.gz", "b1", "quarantined"],
  [3, "c.csv.gz", "c1", "failed"],
  [4, "d.csv.gz", "d1", "pending"],
]);

Deno.test("filterPending skips finished files and returns new, changed and unfinished ones", () => {
  const todo = filterPending(
    candidates([
      ["a.csv.gz", "a1"], // success: skip
      ["b.csv.gz", "b1"], // quarantined: skip
      ["c.csv.gz", "c1"], // failed: skip unless asked
      ["d.csv.gz", "d1"], // left pending by a crash: redo with its id
      ["a.csv.gz", "a2"], // changed content at a known path: new identity
      ["e.csv.gz", "e1"], // new path
    ]),
    MANIFEST,
  );
  assert.deepEqual(pending(todo), [
    ["a.csv.gz", "new", null],
    ["d.csv.gz", "unfinished", 4],
    ["e.csv.gz", "new", null],
  ]);
  assert.ok(todo.columns.includes("file_size_bytes"), "candidate columns are kept");
  assert.ok(todo.getColumn("file_id").dtype.equals(pl.Int64));
});

Deno.test("filterPending returns failed files with their id only when asked", () => {
  const todo = filterPending(candidates([["c.csv.gz", "c1"]]), MANIFEST, { retryFailed: true });
  assert.deepEqual(pending(todo), [["c.csv.gz", "failed", 3]]);
  assert.equal(filterPending(candidates([["c.csv.gz", "c1"]]), MANIFEST).height, 0);
});

Deno.test("filterPending redoes a file whose content came back after a later version", () => {
  const history = manifest([
    [1, "a.csv.gz", "v1", "success"],
    [5, "a.csv.gz", "v2", "success"], // v2 replaced v1's rows
  ]);
  const todo = filterPending(candidates([["a.csv.gz", "v1"]]), history);
  assert.deepEqual(pending(todo), [["a.csv.gz", "reverted", 1]]);
  assert.equal(filterPending(candidates([["a.csv.gz", "v2"]]), history).height, 0);
});

Deno.test("filterPending treats every candidate as new against an empty manifest", () => {
  const todo = filterPending(
    candidates([["a.csv.gz", "a1"], ["b.csv.gz", "b1"]]),
    emptyFrame(INGEST_MANIFEST_SCHEMA),
  );
  assert.deepEqual(pending(todo), [["a.csv.gz", "new", null], ["b.csv.gz", "new", null]]);
});

Deno.test("filterPending rejects inputs without the identity columns", () => {
  assert.throws(
    () => filterPending(pl.DataFrame({ bronze_path: ["a"] }), MANIFEST),
    /no column "sha256"/,
  );
});

Deno.test("supersededFileIds lists the other versions recorded at the same path", () => {
  const history = manifest([
    [1, "a.csv.gz", "v1", "success"],
    [2, "a.csv.gz", "v2", "failed"],
    [3, "b.csv.gz", "b1", "success"],
  ]);
  assert.deepEqual(supersededFileIds(history, { bronze_path: "a.csv.gz", sha256: "v3" }), [1, 2]);
  assert.deepEqual(supersededFileIds(history, { bronze_path: "a.csv.gz", sha256: "v2" }), [1]);
  assert.deepEqual(supersededFileIds(history, { bronze_path: "b.csv.gz", sha256: "b1" }), []);
  assert.deepEqual(supersededFileIds(history, { bronze_path: "new.csv.gz", sha256: "x" }), []);
  const batch = supersededFiles(history, candidates([["a.csv.gz", "v3"], ["b.csv.gz", "b2"]]));
  assert.deepEqual(batch.getColumn("superseded_file_id").toArray(), [1, 2, 3]);
});

Deno.test("status transitions: allowed and refused changes", () => {
  const allowed: [string | null, string][] = [
    [null, "pending"],
    ["pending", "success"],
    ["pending", "quarantined"],
    ["pending", "failed"],
    ["pending", "pending"],
    ["failed", "pending"],
    ["success", "pending"],
    ["quarantined", "pending"],
  ];
  for (const [from, to] of allowed) {
    assert.ok(canTransition(from as never, to), `${from} -> ${to}`);
  }
  const refused: [string | null, string][] = [
    [null, "success"],
    ["success", "failed"],
    ["failed", "success"],
    ["quarantined", "success"],
    ["pending", "done"],
  ];
  for (const [from, to] of refused) {
    assert.ok(!canTransition(from as never, to), `${from} -> ${to}`);
  }
  assert.throws(() => assertTransition("success", "failed"), (err: unknown) => {
    assert.ok(err instanceof InvalidStatusTransitionError);
    assert.equal(
      err.message,
      'Cannot change ingest status from "success" to "failed": allowed are pending',
    );
    return true;
  });
  assert.equal(assertTransition("pending", "success"), "success");
});

Deno.test("statusAfterTransform is quarantined only when every row was rejected", () => {
  assert.equal(statusAfterTransform({ rowsWritten: 0, rowsQuarantined: 0 }), "success");
  assert.equal(statusAfterTransform({ rowsWritten: 9, rowsQuarantined: 1 }), "success");
  assert.equal(statusAfterTransform({ rowsWritten: 0, rowsQuarantined: 3n }), "quarantined");
});

Deno.test("INGEST_MANIFEST_SCHEMA has the columns of domain.md and known statuses", () => {
  assert.deepEqual(INGEST_MANIFEST_SCHEMA.columns.map((c) => c.name), [
    "file_id",
    "vendor",
    "exchange",
    "data_type",
    "symbol",
    "date",
    "bronze_path",
    "file_size_bytes",
    "last_modified_ts",
    "sha256",
    "status",
    "rows_read",
    "rows_written",
    "rows_quarantined",
    "ts_local_min_us",
    "ts_local_max_us",
    "error_message",
    "created_at_ts",
    "finished_at_ts",
  ]);
  assert.deepEqual([...INGEST_STATUSES], ["pending", "success", "failed", "quarantined"]);
  assert.deepEqual(INGEST_MANIFEST_SCHEMA.partitionBy, []);
});
