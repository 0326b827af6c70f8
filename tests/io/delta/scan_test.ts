import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { readDelta, scanDelta } from "../../../src/io/delta/read_delta.ts";
import type { ObjectStorage } from "../../../src/io/delta/storage.ts";
import type { Filter } from "../../../src/io/delta/predicate.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import {
  add,
  field,
  metadata,
  parquetBytes,
  protocol,
  stats,
  writeCommit,
} from "./_delta_log_builder.ts";

const i64 = (name: string, values: number[]) => pl.Series(name, values, pl.Int64);

async function put(s: ObjectStorage, path: string, df: pl.DataFrame) {
  await s.put(path, parquetBytes(df));
}

/** Two files written under different schemas, partitioned by `p`, in the given storage. */
async function evolvedTable(s: ObjectStorage): Promise<void> {
  // file 1: only x (as Int32: the table later widened x to long), stored under a misleading folder
  await put(s, "p=WRONG/one.parquet", pl.DataFrame([pl.Series("x", [1, 2], pl.Int32)]));
  await put(s, "p=b/two.parquet", pl.DataFrame([i64("x", [3, 4]), pl.Series("y", ["c", "d"])]));
  await writeCommit(s, 0, [
    protocol(),
    metadata([field("x", "integer"), field("p", "string")], { partitionColumns: ["p"] }),
    add("p=WRONG/one.parquet", { partitionValues: { p: "a" } }),
  ]);
  await writeCommit(s, 1, [
    protocol(3, 7, { readerFeatures: ["typeWidening"], writerFeatures: ["typeWidening"] }),
    metadata([field("x", "long"), field("y", "string"), field("p", "string")], {
      partitionColumns: ["p"],
    }),
    add("p=b/two.parquet", { partitionValues: { p: "b" } }),
    { txn: { appId: "loader", version: 7 } },
    { commitInfo: { operation: "WRITE", timestamp: 42 } },
  ]);
}

const sorted = (df: pl.DataFrame, by: string) => df.sort(by).toRecords();

for (
  const [label, make] of [
    ["MemoryStorage", () =>
      Promise.resolve({
        s: new MemoryStorage() as ObjectStorage,
        done: () => Promise.resolve(),
      })],
    ["LocalStorage", async () => {
      const dir = await Deno.makeTempDir({ prefix: "pointline_scan_" });
      return {
        s: new LocalStorage(dir) as ObjectStorage,
        done: () => Deno.remove(dir, { recursive: true }),
      };
    }],
  ] as const
) {
  Deno.test(`scan over ${label}`, async (t) => {
    const { s, done } = await make();
    try {
      await evolvedTable(s);
      const table = await DeltaTable.open("t", { storage: s });
      await t.step("partition values come from the log, not from folder names", async () => {
        const df = await (await table.scan({ columns: ["x", "p"] })).collect();
        assert.deepEqual(sorted(df, "x").map((r) => r.p), ["a", "a", "b", "b"]);
      });
      await t.step("older files lack new columns: they read as nulls", async () => {
        const df = await (await table.scan()).collect();
        assert.deepEqual(df.columns, ["x", "y", "p"]);
        assert.deepEqual(sorted(df, "x").map((r) => r.y), [null, null, "c", "d"]);
      });
      await t.step("columns are cast to the current type (integer widened to long)", async () => {
        const df = await (await table.scan()).collect();
        assert.equal(df.getColumn("x").dtype.variant, "Int64");
        assert.equal(df.getColumn("y").dtype.variant, "String");
      });
      await t.step("the filter is exact and columns come back in the requested order", async () => {
        const df = await (await table.scan({
          columns: ["y", "x"],
          filter: [["x", ">=", 2], ["p", "=", "a"]],
        }))
          .collect();
        assert.deepEqual(df.columns, ["y", "x"]);
        assert.deepEqual(df.toRecords(), [{ y: null, x: 2 }]);
      });
      await t.step("a partition filter prunes files", () => {
        assert.deepEqual(table.scanFiles([["p", "=", "b"]]).map((f) => f.path), [
          "p=b/two.parquet",
        ]);
        assert.equal(table.scanFiles().length, 2);
      });
      await t.step("an unknown column is a TypeError", async () => {
        await assert.rejects(() => table.scan({ columns: ["nope"] }), TypeError);
        await assert.rejects(() => table.scan({ filter: [["nope", "=", 1]] }), TypeError);
      });
      await t.step("version 0 reads the old schema", async () => {
        const v0 = await DeltaTable.open("t", { storage: s, version: 0 });
        const df = await (await v0.scan()).collect();
        assert.deepEqual(df.columns, ["x", "p"]);
        assert.equal(df.getColumn("x").dtype.variant, "Int32");
        assert.equal(df.height, 2);
      });
      await t.step("history and transactionVersion", async () => {
        const h = await table.history();
        assert.deepEqual(h.map((e) => e.version), [1, 0]);
        assert.equal(h[0].operation, "WRITE");
        assert.equal(h[0].timestamp, 42);
        assert.equal((await table.history(1)).length, 1);
        assert.equal(table.transactionVersion("loader"), 7);
        assert.equal(table.transactionVersion("other"), undefined);
      });
    } finally {
      await done();
    }
  });
}

Deno.test("scan of a table without files is an empty frame typed by the schema", async () => {
  const s = new MemoryStorage();
  await writeCommit(s, 0, [
    protocol(),
    metadata([
      field("ts", "timestamp"),
      field("d", "date"),
      field("n", "decimal(10,2)"),
      field("x", "long"),
    ]),
  ]);
  const df = await readDelta("t", { storage: s });
  assert.equal(df.height, 0);
  assert.deepEqual(df.columns, ["ts", "d", "n", "x"]);
  assert.equal(df.getColumn("x").dtype.variant, "Int64");
  assert.equal(df.getColumn("d").dtype.variant, "Date");
});

Deno.test("column mapping: physical names in files become logical names", async () => {
  const s = new MemoryStorage();
  const inner = pl.DataFrame([i64("col-inner", [5, 6])]).select(
    pl.struct([pl.col("col-inner")]).alias("col-s"),
  );
  const df = pl.DataFrame([i64("col-a", [1, 2])]).hstack(inner);
  await put(s, "f.parquet", df);
  const cm = (id: number, phys: string) => ({
    "delta.columnMapping.id": id,
    "delta.columnMapping.physicalName": phys,
  });
  await writeCommit(s, 0, [
    protocol(2, 5),
    metadata([
      field("a", "long", cm(1, "col-a")),
      field(
        "s",
        { type: "struct", fields: [field("inner", "long", cm(3, "col-inner"))] },
        cm(2, "col-s"),
      ),
    ], {
      configuration: { "delta.columnMapping.mode": "name", "delta.columnMapping.maxColumnId": "3" },
    }),
    add("f.parquet", { stats: stats(2, { "col-a": 1 }, { "col-a": 2 }, { "col-a": 0 }) }),
  ]);
  const table = await DeltaTable.open("t", { storage: s });
  const out = await (await table.scan()).collect();
  assert.deepEqual(out.columns, ["a", "s"]);
  assert.deepEqual(out.toRecords(), [{ a: 1, s: { inner: 5 } }, { a: 2, s: { inner: 6 } }]);
  // stats are keyed by physical name
  assert.equal(table.scanFiles([["a", ">", 2]]).length, 0);
});

Deno.test("deletion vectors remove their rows (kernel-rs table-with-dv-small)", async () => {
  const uri = `${DELTA_FIXTURES}/kernel-rs-data/table-with-dv-small`;
  const v0 = await readDelta(uri, { version: 0 });
  const v1 = await readDelta(uri);
  assert.deepEqual(v0.getColumn("value").toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(v1.getColumn("value").toArray(), [1, 2, 3, 4, 5, 6, 7, 8]);
  const filtered = await (await scanDelta(uri, { filter: [["value", ">", 6]] })).collect();
  assert.deepEqual(filtered.getColumn("value").toArray(), [7, 8]);
});

Deno.test("a 1-of-100-partitions, 1-of-10-files-by-stats read touches exactly one file", async () => {
  const s = new MemoryStorage();
  const actions: unknown[] = [
    protocol(),
    metadata([field("x", "long"), field("p", "string")], { partitionColumns: ["p"] }),
  ];
  let bytes: Uint8Array | undefined;
  for (let p = 0; p < 100; p++) {
    for (let f = 0; f < 10; f++) {
      const lo = f * 100;
      const path = `p=${p}/f${f}.parquet`;
      // the file content is the same for every partition: x in [lo, lo + 9]
      if (f === 3 && p === 42) {
        bytes = parquetBytes(
          pl.DataFrame([i64("x", Array.from({ length: 10 }, (_, i) => lo + i))]),
        );
        await s.put(path, bytes);
      }
      actions.push(add(path, {
        partitionValues: { p: String(p) },
        stats: stats(10, { x: lo }, { x: lo + 9 }, { x: 0 }),
      }));
    }
  }
  await writeCommit(s, 0, actions);
  const table = await DeltaTable.open("t", { storage: s });
  assert.equal(table.files().length, 1000);
  const filter: Filter = [["p", "=", "42"], ["x", ">=", 300], ["x", "<", 305]];
  const selected = table.scanFiles(filter);
  assert.deepEqual(selected.map((f) => f.path), ["p=42/f3.parquet"]);
  // only that file exists in storage: reading any other would fail
  const df = await (await table.scan({ filter })).collect();
  assert.deepEqual(df.getColumn("x").toArray(), [300, 301, 302, 303, 304]);
  assert.deepEqual([...new Set(df.getColumn("p").toArray())], ["42"]);
});

Deno.test("DeltaTable.checkpoint writes a checkpoint the reader loads to the same state", async () => {
  const s = new MemoryStorage();
  await evolvedTable(s);
  const before = await DeltaTable.open("t", { storage: s });
  const last = await before.checkpoint();
  assert.equal(last.version, 1);
  const after = await DeltaTable.open("t", { storage: s });
  assert.equal(after.snapshot.segment.checkpoint?.version, 1);
  assert.deepEqual(after.snapshot.segment.commits, []);
  assert.deepEqual(
    after.files().map((f) => [f.path, f.partitionValues]).sort(),
    before.files().map((f) => [f.path, f.partitionValues]).sort(),
  );
  assert.equal(after.transactionVersion("loader"), 7);
  assert.deepEqual(after.schema, before.schema);
  const df = await (await after.scan()).collect();
  assert.equal(df.height, 4);
});

Deno.test("long in / not in lists filter exactly, typed like the column", async () => {
  const s = new MemoryStorage();
  const n = 50;
  const df = pl.DataFrame([
    i64("x", Array.from({ length: n }, (_, i) => i)),
    pl.Series("d", Array.from({ length: n }, (_, i) => i), pl.Int32).cast(pl.Date),
    pl.Series("s", Array.from({ length: n }, (_, i) => i % 5 === 0 ? null : `k${i}`)),
  ]);
  await put(s, "f.parquet", df);
  await writeCommit(s, 0, [
    protocol(),
    metadata([field("x", "long"), field("d", "date"), field("s", "string")]),
    add("f.parquet"),
  ]);
  const read = async (filter: Filter) =>
    (await readDelta("t", { storage: s, filter })).sort("x").getColumn("x").toArray();
  assert.deepEqual(await read([["x", "in", [3, 5n, 7, 11, 13, 1000]]]), [3, 5, 7, 11, 13]);
  assert.deepEqual(
    await read([["d", "in", ["1970-01-02", "1970-01-04", new Date(5 * 86_400_000), 8, 9]]]),
    [1, 3, 5, 8, 9],
  );
  assert.deepEqual(await read([["s", "in", ["k1", "k2", "k3", "k4", "k5", null]]]), [1, 2, 3, 4]);
  // not in: null strings (every 5th row) never match, as in SQL
  const notIn = await read([["s", "not in", ["k1", "k2", "k3", "k4", "k6"]]]);
  assert.equal(notIn.length, n - 10 - 5);
  assert.ok(!notIn.includes(0) && !notIn.includes(1));
});

Deno.test("data file paths with glob characters are read literally", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_scan_glob_" });
  try {
    const s = new LocalStorage(dir);
    await put(s, "p=[a]*?/x.parquet", pl.DataFrame([i64("x", [1])]));
    await put(s, "p=[a]*?/y.parquet", pl.DataFrame([i64("x", [2])]));
    await writeCommit(s, 0, [
      protocol(),
      metadata([field("x", "long"), field("p", "string")], { partitionColumns: ["p"] }),
      add("p=%5Ba%5D*%3F/x.parquet", { partitionValues: { p: "[a]*?" } }),
    ]);
    const df = await readDelta(dir);
    assert.deepEqual(df.toRecords(), [{ x: 1, p: "[a]*?" }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
