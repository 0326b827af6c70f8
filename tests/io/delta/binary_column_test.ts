import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  binaryAsHex,
  binaryLiteral,
  hexAsBinary,
  polarsTypesOf,
} from "../../../src/io/delta/binary_column.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { isBinaryDtype } from "../../../src/io/delta/schema.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { tableView } from "../../../src/research/table_view.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import { runPythonJson } from "../../_python_peer.ts";
import { add, field, metadata, parquetBytes, protocol, writeCommit } from "./_delta_log_builder.ts";

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0")).join("");

/** The rows of a frame with every binary column as hex, sorted by `by`. */
function hexRows(df: pl.DataFrame, by: string): Record<string, unknown>[] {
  const types = polarsTypesOf(df);
  return df.sort(by).select(
    ...df.columns.map((c) => isBinaryDtype(types[c]) ? binaryAsHex(c) : pl.col(c)),
  ).toRecords();
}

Deno.test("binary helpers: hex round trip of every byte, empty and null; typed null literal", () => {
  const df = pl.DataFrame({ h: [ALL_BYTES, "", null, "00"] })
    .select(hexAsBinary(pl.col("h")).alias("b"));
  assert.ok(isBinaryDtype(polarsTypesOf(df).b));
  assert.deepEqual(df.select(binaryAsHex("b")).getColumn("b").toArray(), [
    ALL_BYTES,
    "",
    null,
    "00",
  ]);
  const lit = pl.DataFrame({ x: [1] }).select(binaryLiteral(null).alias("n"));
  assert.ok(isBinaryDtype(polarsTypesOf(lit).n), "a typed null, not Polars Null");
  assert.throws(() => pl.DataFrame({ h: ["zz"] }).select(hexAsBinary(pl.col("h"))), /hex/);
});

Deno.test("a Binary frame round-trips through writeDelta as Delta binary, and delta-rs reads the same bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_binary_" });
  try {
    const df = pl.DataFrame({ h: [ALL_BYTES, "", null], k: [1, 2, 3] })
      .select(hexAsBinary(pl.col("h")).alias("b"), pl.col("k"));
    await writeDelta(dir, df);
    const table = await DeltaTable.open(dir);
    assert.equal(table.schema.fields.find((f) => f.name === "b")?.type, "binary");
    const back = await readDelta(dir);
    assert.deepEqual(hexRows(back, "k"), [
      { b: ALL_BYTES, k: 1 },
      { b: "", k: 2 },
      { b: null, k: 3 },
    ]);
    const peer = await runPythonJson({
      code: `import sys, json
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table().sort_by("k")
print(json.dumps([None if v is None else v.hex() for v in t.column("b").to_pylist()]))`,
      args: [dir],
    });
    assert.deepEqual(peer, [ALL_BYTES, "", null]);
    // tableView shows binary as hex, typed Binary
    const view = tableView(back.sort("k"));
    assert.equal(view.dtypes[view.columns.indexOf("b")], "Binary");
    assert.deepEqual(view.cells.map((r) => r[view.columns.indexOf("b")]), [ALL_BYTES, "", null]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("delta-rs tables: binary partition values and a binary column no file holds yet", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_binary_rs_" });
  try {
    // delta-rs writes partition bytes as `\\u00XX` text; a column added by ALTER has no file
    await runPythonJson({
      code: `import sys, json, pyarrow as pa
from deltalake import DeltaTable, write_deltalake, Field
t = pa.table({"letter": ["a", "b", "c"], "data": pa.array([b"\\x00\\x01", b"hi", None], pa.binary()),
              "n": pa.array([1, 2, 3], pa.int64())})
write_deltalake(sys.argv[1], t, partition_by=["data"])
DeltaTable(sys.argv[1]).alter.add_columns([Field("extra", "binary", nullable=True)])
print(json.dumps(DeltaTable(sys.argv[1]).version()))`,
      args: [dir],
    });
    const table = await DeltaTable.open(dir);
    const df = await (await table.scan()).collect();
    const types = polarsTypesOf(df);
    assert.ok(isBinaryDtype(types.data), "partition column typed Binary");
    assert.ok(isBinaryDtype(types.extra), "the column no file holds is Binary, not Null");
    assert.deepEqual(hexRows(df, "n"), [
      { letter: "a", data: "0001", n: 1, extra: null },
      { letter: "b", data: "6869", n: 2, extra: null },
      { letter: "c", data: null, n: 3, extra: null },
    ]);
    // a filtered scan that only needs the missing binary column
    const only = await (await table.scan({ columns: ["extra"] })).collect();
    assert.ok(isBinaryDtype(polarsTypesOf(only).extra));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Spark-style binary partition values (one character per byte) and an empty table's binary column", async () => {
  const s = new MemoryStorage();
  await s.put("data=%01A/f.parquet", parquetBytes(pl.DataFrame({ n: [1] })));
  await writeCommit(s, 0, [
    protocol(),
    metadata([field("n", "double"), field("data", "binary")], { partitionColumns: ["data"] }),
    add("data=%2501A/f.parquet", { partitionValues: { data: "\u0001A" } }),
  ]);
  const df = await readDelta("mem://t", { storage: s });
  assert.deepEqual(hexRows(df, "n"), [{ n: 1, data: "0141" }]);
  // an empty table (no file at all) still types its binary column
  const empty = new MemoryStorage();
  await writeCommit(empty, 0, [protocol(), metadata([field("n", "long"), field("b", "binary")])]);
  const none = await readDelta("mem://t", { storage: empty });
  assert.equal(none.height, 0);
  assert.ok(isBinaryDtype(polarsTypesOf(none).b));
});

Deno.test("a Spark-written table's binary column shows as the same hex pyarrow reads", async () => {
  const root = `${DELTA_FIXTURES}/delta-kernel-java/data-reader-primitives-column-mapping-name`;
  const table = await DeltaTable.open(root);
  const df = await (await table.scan({ columns: ["as_int", "as_binary"] })).collect();
  assert.ok(isBinaryDtype(polarsTypesOf(df).as_binary));
  const ours = hexRows(df.filter(pl.col("as_int").isNotNull()), "as_int");
  const peer = await runPythonJson({
    code: `import sys, json, glob, pyarrow as pa, pyarrow.parquet as pq
from deltalake import DeltaTable
dt = DeltaTable(sys.argv[1])
fields = {f["name"]: f["metadata"]["delta.columnMapping.physicalName"] for f in json.loads(dt.schema().to_json())["fields"]}
rows = []
for p in dt.file_uris():
    t = pq.read_table(p.removeprefix("file://"))
    for i, b in zip(t.column(fields["as_int"]).to_pylist(), t.column(fields["as_binary"]).to_pylist()):
        if i is not None: rows.append({"as_int": i, "as_binary": None if b is None else b.hex()})
print(json.dumps(sorted(rows, key=lambda r: r["as_int"])))`,
    args: [root],
  });
  assert.ok(ours.length >= 5, `only ${ours.length} rows`);
  assert.deepEqual(ours, peer);
  const view = tableView(df);
  assert.equal(view.dtypes[1], "Binary");
});

Deno.test("writeDelta partitions by a binary column: exact round trip; delta-rs reads UTF-8 values the same", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_binary_part_" });
  try {
    const hex = ["0001", "ff2f", null, "6869", "c3a9"];
    const df = pl.DataFrame({ h: hex, k: [1, 2, 3, 4, 5] })
      .select(hexAsBinary(pl.col("h")).alias("b"), pl.col("k"));
    await writeDelta(dir, df, { partitionBy: ["b"] });
    const back = await readDelta(dir);
    assert.deepEqual(hexRows(back, "k").map((r) => r.b), hex);
    const filtered = await readDelta(dir, { filter: [["k", "=", 5]] });
    assert.deepEqual(hexRows(filtered, "k"), [{ b: "c3a9", k: 5 }]);
    const peer = await runPythonJson({
      code: `import sys, json
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table().sort_by("k")
print(json.dumps([None if v is None else v.hex() for v in t.column("b").to_pylist()]))`,
      args: [dir],
    }) as (string | null)[];
    // bytes that are UTF-8 text are written as that text, which delta-rs reads exactly; the
    // others are written as delta-rs's own \u00XX escapes, which delta-rs reads as that text
    assert.deepEqual([peer[0], peer[2], peer[3], peer[4]], ["0001", null, "6869", "c3a9"]);
    assert.equal(
      peer[1],
      new TextEncoder().encode("\\u00ff\\u002f").reduce(
        (s, b) => s + b.toString(16).padStart(2, "0"),
        "",
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
