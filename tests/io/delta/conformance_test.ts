/**
 * Delta conformance suite: walks `../shared/fixtures/delta/INDEX.tsv` and checks every table
 * as classified in `conformance_cases.ts` (golden data, EXPECTED files, must-fail cases,
 * log-only tables, delta-rs oracle). Prints `supported / unsupported / failed` counts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import pl from "nodejs-polars";
import type { AddAction } from "../../../src/io/delta/actions.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { DeltaError, UnsupportedFeatureError } from "../../../src/io/delta/errors.ts";
import { fileMayMatch } from "../../../src/io/delta/file_skipping.ts";
import { parseDataType } from "../../../src/io/delta/schema.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { type Filter, filterToExpr, type PredicateValue } from "../../../src/io/delta/predicate.ts";
import type {
  ByteRange,
  ObjectMeta,
  ObjectStorage,
  PutOptions,
} from "../../../src/io/delta/storage.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import { runPython } from "../../_python_peer.ts";
import { compareFrames, readParquetFolder } from "./_compare.ts";
import {
  type ConformanceCase,
  conformanceCases,
  OUT_OF_SCOPE_FEATURES,
  parseIndex,
  pathExists,
} from "./conformance_cases.ts";

// ---------------------------------------------------------------------------------------------
// Storage adaptations (see StorageAdapter in conformance_cases.ts). They change how the
// harness reaches files that upstream tests staged differently; they never change log content
// except to fill in the documented `{{FOLDER_WITH_SPECIAL_CHAR}}` template.

class _Overlay implements ObjectStorage {
  constructor(
    readonly inner: ObjectStorage,
    readonly hooks: {
      readPath?: (path: string) => string;
      transform?: (path: string, bytes: Uint8Array) => Uint8Array;
      mtime?: (path: string) => number | undefined;
    },
  ) {}
  get root(): string {
    return this.inner.root;
  }
  _meta(m: ObjectMeta): ObjectMeta {
    const t = this.hooks.mtime?.(m.path);
    return t === undefined ? m : { ...m, lastModified: t };
  }
  async list(prefix: string): Promise<ObjectMeta[]> {
    return (await this.inner.list(prefix)).map((m) => this._meta(m));
  }
  async read(path: string, range?: ByteRange): Promise<Uint8Array> {
    const p = this.hooks.readPath?.(path) ?? path;
    const bytes = await this.inner.read(p, range);
    return this.hooks.transform ? this.hooks.transform(path, bytes) : bytes;
  }
  async head(path: string): Promise<ObjectMeta> {
    return this._meta(await this.inner.head(this.hooks.readPath?.(path) ?? path));
  }
  put(_path: string, _bytes: Uint8Array, _options?: PutOptions): Promise<void> {
    throw new Error("The conformance corpus is read-only");
  }
  delete(_path: string): Promise<void> {
    throw new Error("The conformance corpus is read-only");
  }
  localPath(path: string): string | undefined {
    return this.inner.localPath?.(this.hooks.readPath?.(path) ?? path);
  }
}

function _storageFor(c: ConformanceCase): ObjectStorage | undefined {
  if (!c.storage?.length) return undefined;
  const inner = new LocalStorage(c.path);
  const hooks: ConstructorParameters<typeof _Overlay>[1] = {};
  for (const adapter of c.storage) {
    if (adapter === "dvTestPrefix") {
      hooks.readPath = (p) =>
        p.replace(/(^|\/)(deletion_vector_[^/]+\.bin)$/, "$1test%dv%prefix-$2");
    } else if (adapter === "dvSpecialCharTemplate") {
      const folder = encodeURI(`${c.path}/folder&with%special char`);
      hooks.transform = (p, bytes) =>
        p.startsWith("_delta_log/") && p.endsWith(".json")
          ? new TextEncoder().encode(
            new TextDecoder().decode(bytes).replaceAll("{{FOLDER_WITH_SPECIAL_CHAR}}", folder),
          )
          : bytes;
    } else if (adapter === "commitMtimes") {
      const exp = JSON.parse(Deno.readTextFileSync(c.expectedFile!)) as {
        commitFileMtimes: Record<string, string>;
      };
      hooks.mtime = (p) => {
        const name = p.replace(/^_delta_log\//, "");
        const t = exp.commitFileMtimes[name];
        return p.startsWith("_delta_log/") && t ? Date.parse(t) : undefined;
      };
    }
  }
  return new _Overlay(inner, hooks);
}

async function _open(c: ConformanceCase, at: { version?: number; timestamp?: string } = {}) {
  return await DeltaTable.open(c.path, { ...at, storage: _storageFor(c) });
}

// ---------------------------------------------------------------------------------------------
// Checks

function _sha(paths: string[]): string {
  return createHash("sha256").update([...paths].sort().join("\n")).digest("hex").slice(0, 16);
}

function _paths(files: AddAction[]): string[] {
  return files.map((f) => f.path).sort();
}

function _checkLog(c: ConformanceCase, table: DeltaTable): void {
  assert.equal(table.version, c.latestVersion, "latest version (INDEX.tsv)");
  const o = c.oracle;
  if (!o) {
    assert.ok(c.hand || c.expectedFile, `${c.root}: no log expectation besides the version`);
    if (c.hand?.files !== undefined) assert.equal(table.files().length, c.hand.files, "files");
    return;
  }
  assert.equal(table.version, o.version, "version (delta-rs)");
  const p = table.protocol;
  assert.deepEqual(
    [
      p.minReaderVersion,
      p.minWriterVersion,
      [...(p.readerFeatures ?? [])].sort(),
      [...(p.writerFeatures ?? [])].sort(),
    ],
    o.protocol,
    "protocol (delta-rs)",
  );
  assert.equal(table.metadata.id, o.metadataId, "metadata id (delta-rs)");
  assert.deepEqual(table.schema, parseDataType(o.schema), "schema incl. field metadata (delta-rs)");
  assert.deepEqual(table.metadata.partitionColumns, o.partitionColumns, "partition columns");
  const paths = _paths(table.files());
  assert.equal(paths.length, o.files, "live file count (delta-rs)");
  assert.equal(_sha(paths), o.filesSha256, `live file paths (delta-rs), e.g. ${paths[0]}`);
}

/** History: every commit we list with a commitInfo has delta-rs's operation for it. */
async function _checkHistory(c: ConformanceCase, table: DeltaTable): Promise<void> {
  if (!c.oracle?.history) return;
  const ours = await table.history();
  for (let i = 1; i < ours.length; i++) assert.ok(ours[i - 1].version > ours[i].version);
  if (ours.length) assert.equal(ours[0].version, table.version, "history starts at the latest");
  const limited = await table.history(2);
  assert.deepEqual(limited.map((e) => e.version), ours.slice(0, 2).map((e) => e.version));
  // delta-rs numbers commits by position, so around a missing commit file (data_err_logs
  // table_b, table_g) its versions shift; it also omits commits without commitInfo. Compare
  // operations where our versions are contiguous.
  const contiguous = ours.every((e, i) => i === 0 || ours[i - 1].version === e.version + 1);
  if (!contiguous) return;
  const theirs = new Map(c.oracle.history);
  let compared = 0;
  for (const e of ours) {
    if (e.operation === undefined || !theirs.has(e.version)) continue;
    assert.equal(e.operation, theirs.get(e.version), `operation of version ${e.version}`);
    compared++;
  }
  const named = c.oracle.history.filter(([, op]) => op !== null).length;
  assert.equal(compared, Math.min(named, ours.filter((e) => e.operation !== undefined).length));
}

function _values(
  df: pl.DataFrame,
  column: string,
  asString = false,
): (number | string | null)[] {
  const s = asString
    ? df.select(pl.col(column).cast(pl.String)).getColumn(column)
    : df.getColumn(column);
  const values = (s.toArray() as unknown[]).map((v) =>
    typeof v === "bigint" ? Number(v) : v as number | string | null
  );
  return values.sort((a, b) => a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
}

function _sorted(values: (number | string | null)[]): (number | string | null)[] {
  return [...values].sort((a, b) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1
  );
}

/** Parse the few filter strings used by delta-rs's EXPECTED files. */
function _parseFilter(text: string): Filter {
  const lit = (s: string): PredicateValue => {
    const t = s.trim();
    return /^".*"$/.test(t) ? t.slice(1, -1) : /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
  };
  return text.replace(/\(partitionValues.*\)$/, "").split(/\s+AND\s+/i).map((part) => {
    const p = part.trim();
    let m = /^(\w+)\s+(NOT IN|IN)\s*\((.*)\)$/i.exec(p);
    if (m) return [m[1], m[2].toLowerCase() as "in" | "not in", m[3].split(",").map(lit)];
    m = /^(\w+)\s+is\s+(not\s+)?null$/i.exec(p);
    if (m) return [m[1], m[2] ? "is not null" : "is null"];
    m = /^(\w+)\s*(=|!=|<=|>=|<|>)\s*(.+)$/.exec(p);
    if (m) return [m[1], m[2] as "=", lit(m[3])];
    throw new Error(`Cannot parse filter "${text}"`);
  });
}

/** Keys of EXPECTED.from-tests.json files: checked below, or documentation (`source`, `note`...). */
const _EXPECTED_KEYS = new Set([
  "source",
  "note",
  "caveat",
  "semantics",
  "column", // names the column of `versions`
  "partitionColumn", // documentation of partitioned-table-with-dv-large
  "commitFileMtimes", // applied by the commitMtimes storage adapter
  "latestVersion",
  "protocol",
  "activeFilesAtLatest",
  "activeFilesByVersion",
  "tombstonesAtLatest",
  "sumOfStatsNumRecordsAtLatest",
  "nullCountOfColumn_value_per_file",
  "versions",
  "versionAsOfTimestamp",
  "filesByPartitionFilter",
]);

async function _checkExpectedFile(c: ConformanceCase, table: DeltaTable): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const exp = JSON.parse(Deno.readTextFileSync(c.expectedFile!)) as Record<string, any>;
  const unknown = Object.keys(exp).filter((k) => !_EXPECTED_KEYS.has(k));
  assert.deepEqual(unknown, [], `EXPECTED keys this harness does not check: ${unknown}`);
  if (exp.latestVersion !== undefined) assert.equal(table.version, exp.latestVersion);
  if (exp.nullCountOfColumn_value_per_file !== undefined) {
    for (const f of table.files()) {
      const stats = JSON.parse(f.stats ?? "{}");
      assert.equal(stats.nullCount?.value, exp.nullCountOfColumn_value_per_file, f.path);
    }
  }
  if (exp.protocol) {
    assert.equal(table.protocol.minReaderVersion, exp.protocol.minReaderVersion);
    assert.equal(table.protocol.minWriterVersion, exp.protocol.minWriterVersion);
  }
  if (exp.activeFilesAtLatest) {
    assert.deepEqual(_paths(table.files()), [...exp.activeFilesAtLatest].sort());
  }
  for (const [v, files] of Object.entries(exp.activeFilesByVersion ?? {})) {
    const t = await _open(c, { version: Number(v) });
    assert.deepEqual(_paths(t.files()), [...(files as string[])].sort(), `files at version ${v}`);
  }
  if (exp.tombstonesAtLatest !== undefined) {
    // delta-rs counts every tombstone; evaluate expiry at the epoch so that none has expired.
    const snap = await loadSnapshot(_storageFor(c) ?? new LocalStorage(c.path), { now: 0 });
    const got = snap.tombstones.map((r) => ({
      path: r.path,
      deletionTimestamp: r.deletionTimestamp,
    }))
      .sort((a, b) => a.path < b.path ? -1 : 1);
    if (typeof exp.tombstonesAtLatest === "number") {
      assert.equal(got.length, exp.tombstonesAtLatest, "tombstone count");
    } else {
      const want = [...exp.tombstonesAtLatest].sort((a, b) => a.path < b.path ? -1 : 1);
      assert.deepEqual(got, want, "tombstones");
    }
  }
  if (exp.sumOfStatsNumRecordsAtLatest !== undefined) {
    const sum = table.files().reduce(
      (s, f) => s + (JSON.parse(f.stats ?? "{}").numRecords ?? 0),
      0,
    );
    assert.equal(sum, exp.sumOfStatsNumRecordsAtLatest, "sum of stats.numRecords");
  }
  for (const [v, want] of Object.entries(exp.versions ?? {})) {
    const w = want as { count: number; values: number[] };
    const t = await _open(c, { version: Number(v) });
    const df = await (await t.scan({ columns: [exp.column] })).collect();
    assert.equal(df.height, w.count, `row count at version ${v}`);
    assert.deepEqual(_values(df, exp.column), _sorted(w.values), `values at version ${v}`);
  }
  for (const [ts, v] of Object.entries(exp.versionAsOfTimestamp ?? {})) {
    const first = Math.min(
      ...Object.entries(exp.commitFileMtimes as Record<string, string>)
        .filter(([name]) => /^\d{20}\.json$/.test(name)) // commits, not checkpoints
        .map(([, t]) => Date.parse(t)),
    );
    if (Date.parse(ts) < first) {
      // Documented pointline behaviour (issue 2): a time before the first commit is an error.
      await assert.rejects(_open(c, { timestamp: ts }), DeltaError, `timestamp ${ts}`);
      continue;
    }
    const t = await _open(c, { timestamp: ts });
    assert.equal(t.version, v, `version as of ${ts}`);
  }
  for (const [text, files] of Object.entries(exp.filesByPartitionFilter ?? {})) {
    // Values are typed by the column: delta-0.8.0-partitioned has string partition columns.
    const filter = _parseFilter(text).map((p) => {
      const field = table.schema.fields.find((f) => f.name === p[0]);
      if (field?.type !== "string" || p.length < 3) return p;
      const v = p[2];
      return (Array.isArray(v) ? [p[0], p[1], v.map(String)] : [p[0], p[1], String(v)]) as Filter[
        0
      ];
    });
    const got = table.files().filter((f) =>
      fileMayMatch(filter, f, table.schema, table.metadata.partitionColumns)
    );
    assert.deepEqual(_paths(got), [...(files as string[])].sort(), `files for ${text}`);
  }
}

/** Time travel: every older version delta-rs could load has the same live files and rows. */
async function _checkOlderVersions(c: ConformanceCase, readData: boolean): Promise<void> {
  for (const [v, want] of Object.entries(c.oracle?.versions ?? {})) {
    const t = await _open(c, { version: Number(v) });
    assert.equal(t.version, Number(v));
    const paths = _paths(t.files());
    assert.equal(paths.length, want.files, `live file count at version ${v} (delta-rs)`);
    assert.equal(_sha(paths), want.filesSha256, `live file paths at version ${v} (delta-rs)`);
    const rows = want.rows ?? want.statsRows;
    // Older versions of vacuumed tables point at deleted files: check rows only when they exist.
    const present = paths.every((p) => /^[a-z]+:/.test(p) || pathExists(`${c.path}/${p}`));
    if (readData && rows !== undefined && present) {
      const df = await (await t.scan()).collect();
      assert.equal(df.height, rows, `row count at version ${v} (delta-rs)`);
    }
  }
}

async function _expectFailure(c: ConformanceCase): Promise<DeltaError> {
  let error: unknown;
  try {
    const table = await _open(c);
    await (await table.scan()).collect();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `${c.root} opened and read without error`);
  assert.ok(
    error instanceof DeltaError,
    `expected a DeltaError, got ${(error as Error)?.name}: ${(error as Error)?.message}`,
  );
  if (c.failWith) {
    assert.ok(c.failWith.includes(error.name), `expected ${c.failWith}, got ${error.name}`);
  }
  return error;
}

async function _runCase(c: ConformanceCase): Promise<void> {
  switch (c.kind) {
    case "unsupported": {
      const e = await _expectFailure(c);
      assert.ok(e instanceof UnsupportedFeatureError, `expected UnsupportedFeatureError: ${e}`);
      assert.ok(c.features!.includes(e.feature), `feature "${e.feature}" not in ${c.features}`);
      return;
    }
    case "mustFail": {
      const e = await _expectFailure(c);
      if (c.features) {
        assert.ok(e instanceof UnsupportedFeatureError && c.features.includes(e.feature), `${e}`);
      }
      return;
    }
    case "logOnly": {
      const table = await _open(c);
      _checkLog(c, table);
      await _checkHistory(c, table);
      await _checkOlderVersions(c, false);
      if (c.expectedFile) await _checkExpectedFile(c, table);
      return;
    }
    case "golden":
    case "read": {
      const table = await _open(c);
      _checkLog(c, table);
      await _checkHistory(c, table);
      const df = await (await table.scan()).collect();
      if (c.kind === "golden") {
        let expected = readParquetFolder(c.expectedDir!)!;
        let actual = df;
        if (c.ignoreColumns) {
          actual = actual.drop(c.ignoreColumns.columns);
          expected = expected.drop(c.ignoreColumns.columns);
        }
        const r = compareFrames(actual, expected);
        assert.ok(r.equal, r.detail);
      }
      const rows = c.oracle?.rows ?? c.oracle?.statsRows ?? c.hand?.rows;
      if (rows !== undefined) assert.equal(df.height, rows, "row count");
      if (c.oracle?.columns) assert.deepEqual([...df.columns].sort(), c.oracle.columns, "columns");
      if (c.hand?.values) {
        assert.deepEqual(
          _values(df, c.hand.values.column, typeof c.hand.values.values[0] === "string"),
          _sorted(c.hand.values.values),
          c.hand.source,
        );
      }
      assert.ok(
        c.kind === "golden" || rows !== undefined || c.hand?.values || c.expectedFile,
        `${c.root}: no content expectation (add one to HAND_CHECKED)`,
      );
      await _checkOlderVersions(c, true);
      if (c.expectedFile) await _checkExpectedFile(c, table);
      return;
    }
  }
}

Deno.test("Delta conformance corpus (INDEX.tsv)", async (t) => {
  const cases = conformanceCases(parseIndex(Deno.readTextFileSync(`${DELTA_FIXTURES}/INDEX.tsv`)));
  assert.ok(cases.length >= 230, `only ${cases.length} cases`);
  const counts = { supported: 0, unsupported: 0, failed: 0 };
  const failed: string[] = [];
  for (const c of cases) {
    const ok = await t.step(`${c.kind}: ${c.root}`, () => _runCase(c));
    if (!ok) {
      counts.failed++;
      failed.push(c.root);
    } else if (c.kind === "unsupported") counts.unsupported++;
    else counts.supported++;
  }
  const byFeature = new Map<string, number>();
  for (const c of cases.filter((c) => c.kind === "unsupported")) {
    for (const f of c.features!) byFeature.set(f, (byFeature.get(f) ?? 0) + 1);
  }
  console.log(
    `Delta conformance: ${counts.supported} supported / ${counts.unsupported} unsupported / ` +
      `${counts.failed} failed (of ${cases.length}); unsupported by feature: ${
        [...byFeature].map(([f, n]) => `${f} ${n}`).join(", ")
      }`,
  );
  if (failed.length) console.log(`failed: ${failed.join(", ")}`);
  assert.equal(
    counts.unsupported,
    cases.filter((c) => c.kind === "unsupported").length,
    "every unsupported case fails with UnsupportedFeatureError",
  );
  assert.ok(Object.keys(OUT_OF_SCOPE_FEATURES).length > 0);
});

// ---------------------------------------------------------------------------------------------
// Full content against a live peer. Golden tables are compared with Spark's expected data
// above; for the other readable tables, delta-rs (Python `deltalake`, a test-only peer) reads
// each table and the rows must be the same multiset. Tables with column mapping are left out:
// delta-rs 1.6.6 returns every mapped column as nulls (checked: 7 tables), so its rows are wrong.

// mode "read": delta-rs reads the table. mode "files": delta-rs lists the live files with their
// typed partition values and decodes their deletion vectors (selection vectors); pyarrow reads
// the files, renames physical columns to logical ones (column mapping, top level), adds the
// partition columns and widens types across files. Used where delta-rs cannot read the table
// itself (deletion vectors, v2 checkpoints, type widening) or reads it wrongly (column mapping).
const _DUMP_PY = `
import os, sys, json
from urllib.parse import unquote
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable
def logical_array(arr, dtype):
    """Rename nested struct fields from physical to logical names (column mapping)."""
    if isinstance(dtype, dict) and dtype.get("type") == "struct" and pa.types.is_struct(arr.type):
        if isinstance(arr, pa.ChunkedArray):
            return pa.chunked_array([logical_array(c, dtype) for c in arr.chunks],
                                    type=None) if arr.num_chunks else arr
        by_phys = {f["metadata"].get("delta.columnMapping.physicalName", f["name"]): f
                   for f in dtype["fields"]}
        children, names = [], []
        for k in range(arr.type.num_fields):
            name = arr.type.field(k).name
            f = by_phys.get(name)
            children.append(logical_array(arr.field(k), f["type"] if f else None))
            names.append(f["name"] if f else name)
        return pa.StructArray.from_arrays(children, names=names, mask=arr.is_null())
    if isinstance(dtype, dict) and dtype.get("type") == "array" and pa.types.is_list(arr.type):
        if isinstance(arr, pa.ChunkedArray):
            return pa.chunked_array([logical_array(c, dtype) for c in arr.chunks])
        values = logical_array(arr.values, dtype["elementType"])
        return pa.ListArray.from_arrays(arr.offsets, values, mask=arr.is_null())
    if isinstance(dtype, dict) and dtype.get("type") == "map" and pa.types.is_map(arr.type):
        if isinstance(arr, pa.ChunkedArray):
            return pa.chunked_array([logical_array(c, dtype) for c in arr.chunks])
        keys = logical_array(arr.keys, dtype["keyType"])
        items = logical_array(arr.items, dtype["valueType"])
        return pa.MapArray.from_arrays(arr.offsets, keys, items, mask=arr.is_null())
    return arr


def files(path, out):
    # delta-rs keys deletion vectors by the resolved file path (symlinks followed): resolve ours
    path = os.path.realpath(path)
    dt = DeltaTable(path)
    target = pa.schema(dt.schema().to_arrow())
    fields = json.loads(dt.schema().to_json())["fields"]
    logical = {f["metadata"].get("delta.columnMapping.physicalName", f["name"]): f["name"]
               for f in fields}
    keep = {}
    if "deletionVectors" in (dt.protocol().reader_features or []):
        for row in pa.table(dt.deletion_vectors()).to_pylist():
            key = os.path.realpath(unquote(row["filepath"]).removeprefix("file://"))
            keep[key] = row["selection_vector"]
    adds = pa.table(dt.get_add_actions(flatten=False))
    parts = adds.column("partition") if "partition" in adds.column_names else None
    tables = []
    for i, p in enumerate(adds.column("path").to_pylist()):
        f = path + "/" + unquote(p)
        t = pq.read_table(f)
        t = t.rename_columns([logical.get(c, c) for c in t.column_names])
        by_name = {f["name"]: f for f in fields}
        for j, name in enumerate(t.column_names):
            if name in by_name and isinstance(by_name[name]["type"], dict):
                arr = logical_array(t.column(j), by_name[name]["type"])
                t = t.set_column(j, name, arr)
        for j, name in enumerate(t.column_names):  # type widening: cast to the current type
            if name in target.names and not t.schema.field(j).type.equals(target.field(name).type):
                t = t.set_column(j, name, t.column(j).cast(target.field(name).type))
        sel = keep.pop(os.path.realpath(f), None)
        if sel is not None:
            mask = list(sel[: t.num_rows]) + [True] * max(0, t.num_rows - len(sel))
            t = t.filter(pa.array(mask))
        if parts is not None:
            for k, v in parts[i].as_py().items():
                if k in t.column_names:  # some writers also store it: the log's value wins
                    t = t.drop_columns([k])
                t = t.append_column(pa.field(k, parts.type.field(k).type),
                                    pa.array([v] * t.num_rows, parts.type.field(k).type))
        tables.append(t)
    if keep:  # a deletion vector no live file took: the paths do not line up
        raise ValueError(f"deletion vectors of unknown files: {sorted(keep)[:2]}")
    t = pa.concat_tables(tables, promote_options="permissive")
    pq.write_table(t.select([f["name"] for f in fields if f["name"] in t.column_names]), out)

for mode, path, out in json.load(sys.stdin):
    try:
        if mode == "read":
            pq.write_table(DeltaTable(path).to_pyarrow_table(), out)
        else:
            files(path, out)
    except Exception as e:
        with open(out + ".err", "w") as f:
            f.write(f"{type(e).__name__}: {e}")
`;

Deno.test("Delta conformance: full content equals a delta-rs/pyarrow read of every other table", async (t) => {
  const probe = await runPython({ code: "import deltalake, pyarrow" }).catch((e) => ({
    code: -1,
    stderr: String(e),
  }));
  assert.equal(
    probe.code,
    0,
    `This test needs Python 3 with deltalake and pyarrow as a test peer: ` +
      `pip install deltalake==1.6.6 pyarrow (${probe.stderr.trim()})`,
  );
  const all = conformanceCases(parseIndex(Deno.readTextFileSync(`${DELTA_FIXTURES}/INDEX.tsv`)));
  const mapped = (c: ConformanceCase) =>
    c.indexFeatures.some((f) => /^columnMapping=(name|id)$/.test(f));
  const cases = all.filter((c) =>
    c.kind === "read" && c.oracle !== undefined && !c.storage && !c.hand && c.oracle.files! > 0
  );
  assert.ok(cases.length >= 110, `only ${cases.length} tables`);
  const dir = await Deno.makeTempDir({ prefix: "pointline_conformance_" });
  try {
    const jobs = cases.map((c, i) => [
      c.oracle!.rows !== undefined && !mapped(c) ? "read" : "files",
      c.path,
      `${dir}/${i}.parquet`,
    ]);
    const dump = await runPython({ code: _DUMP_PY }, JSON.stringify(jobs));
    assert.equal(dump.code, 0, `delta-rs failed: ${dump.stderr}`);
    for (const [i, c] of cases.entries()) {
      await t.step(c.root, async () => {
        const table = await _open(c);
        const actual = await (await table.scan()).collect();
        let peerError = "";
        try {
          peerError = Deno.readTextFileSync(`${dir}/${i}.parquet.err`);
        } catch { /* the peer read the table */ }
        assert.equal(peerError, "", `the peer could not read ${c.root}`);
        const r = compareFrames(actual, pl.readParquet(`${dir}/${i}.parquet`));
        assert.ok(r.equal, r.detail);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// File skipping on real statistics (truncated string bounds, millisecond timestamp bounds,
// partition values of every type, null counts): for every readable table, filtered scans must
// return exactly the full scan filtered. Values come from the table's own rows (min, median,
// max of each primitive column), so every predicate sits on a real boundary.

const _SKIPPING_MAX_BYTES = 1_000_000;

const _SKIPPABLE = new Set([
  "byte",
  "short",
  "integer",
  "long",
  "float",
  "double",
  "string",
  "boolean",
  "date",
  "timestamp",
  "timestamp_ntz",
]);

function _probeValues(df: pl.DataFrame, column: string): PredicateValue[] {
  const values = (df.getColumn(column).dropNulls().toArray() as PredicateValue[])
    .filter((v) => !(typeof v === "number" && Number.isNaN(v)));
  if (values.length === 0) return [];
  const key = (v: PredicateValue) => v instanceof Date ? v.getTime() : v as number | string;
  values.sort((a, b) => (key(a)! < key(b)! ? -1 : key(a)! > key(b)! ? 1 : 0));
  return [values[0], values[values.length >> 1], values[values.length - 1]];
}

Deno.test("Delta conformance: filtered scans equal the full scan filtered (file skipping)", async (t) => {
  const readable = conformanceCases(
    parseIndex(Deno.readTextFileSync(`${DELTA_FIXTURES}/INDEX.tsv`)),
  ).filter((c) => (c.kind === "golden" || c.kind === "read") && (c.oracle?.files ?? 1) > 0);
  // Scope, printed below: tables over 1 MB are left to the full-scan checks (runtime), and
  // tables whose statistics contradict their data are listed in conformance_cases.ts.
  const large = readable.filter((c) => c.sizeBytes > _SKIPPING_MAX_BYTES);
  const excluded = readable.filter((c) => c.noSkippingCheck);
  const cases = readable.filter((c) => !large.includes(c) && !excluded.includes(c));
  let scans = 0;
  for (const c of cases) {
    await t.step(c.root, async () => {
      const table = await _open(c);
      const full = await (await table.scan()).collect();
      // One column of each primitive type first (so every type's bounds are exercised), then
      // partition columns, at most 6 columns per table.
      const fields = table.schema.fields.filter((f) =>
        typeof f.type === "string" && _SKIPPABLE.has(f.type)
      );
      const seen = new Set<string>();
      const columns: string[] = [];
      for (const f of fields) {
        if (!seen.has(f.type as string)) columns.push(f.name);
        seen.add(f.type as string);
      }
      for (const p of table.metadata.partitionColumns) {
        if (!columns.includes(p) && fields.some((f) => f.name === p)) columns.push(p);
      }
      columns.splice(6);
      // Projection: a reordered subset of columns (mapped, partition and nested ones included).
      const names = table.schema.fields.map((f) => f.name);
      const subset = [names[names.length - 1], names[0]].filter((n, i, a) => a.indexOf(n) === i);
      const projected = await (await table.scan({ columns: subset })).collect();
      assert.deepEqual(projected.columns, subset, "projection order");
      const pr = compareFrames(projected, full.select(...subset));
      assert.ok(pr.equal, `projection ${subset}: ${pr.detail}`);
      for (const column of columns) {
        const [lo, mid, hi] = _probeValues(full, column);
        const filters: Filter[] = [[[column, "is null"]], [[column, "is not null"]]];
        if (lo !== undefined) {
          filters.push(
            [[column, "=", mid]],
            [[column, "<", mid]],
            [[column, ">=", hi]],
            [[column, "<=", lo]],
            [[column, "in", [lo, hi]]],
            [[column, "!=", mid]],
            [[column, "not in", [lo]]],
            [[column, ">", lo], [column, "<=", hi]],
          );
        }
        for (const filter of filters) {
          const got = await (await table.scan({ filter })).collect();
          const want = full.filter(filterToExpr(filter, { schema: table.schema }));
          const r = compareFrames(got, want);
          scans++;
          assert.ok(r.equal, `${JSON.stringify(filter)}: ${r.detail}`);
        }
      }
    });
  }
  console.log(
    `File skipping: ${scans} filtered scans over ${cases.length} tables; not checked: ` +
      `${large.length} over ${_SKIPPING_MAX_BYTES} bytes (${large.map((c) => c.root)}), ` +
      `${excluded.length} by decision (${excluded.map((c) => `${c.root}: ${c.noSkippingCheck}`)})`,
  );
});
