/**
 * The scan reads partition values from folder names (one Polars hive scan) only when every
 * file's folders provably hold the log's values (see `src/io/delta/hive_partition_schema.ts`);
 * otherwise it adds the log's values as literals. Either way the rows must be what the log
 * says: the oracle here is `readDataFile` (the log's values as literals) over every live file.
 *
 * @module
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { join } from "node:path";
import type { AddAction } from "../../../src/io/delta/actions.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { hivePartitionSchema } from "../../../src/io/delta/hive_partition_schema.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { readDataFile } from "../../../src/io/delta/data_file_reader.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import type { Filter } from "../../../src/io/delta/predicate.ts";
import type { StructType } from "../../../src/io/delta/schema.ts";
import { add, field, metadata, parquetBytes, protocol, writeCommit } from "./_delta_log_builder.ts";

const i64 = (name: string, values: (number | null)[]) => pl.Series(name, values, pl.Int64);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pointline_scan_hive_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A log path: each segment percent-encoded, as the protocol's `add.path` URI. */
const uri = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** Every value as a string (dates, booleans, big integers compare exactly). */
const text = (df: pl.DataFrame) =>
  df.select(...df.columns.map((c) => pl.col(c).cast(pl.String))).rows().map((r) =>
    JSON.stringify(r)
  );

const scanCount = (lf: pl.LazyDataFrame) =>
  lf.describePlan().split("\n").filter((l) => l.includes("Parquet SCAN")).length;

/** The oracle: each live file read with the log's partition values as literals. */
async function oracle(dir: string, columns?: string[]) {
  const storage = new LocalStorage(dir);
  const snap = await loadSnapshot(storage);
  const frames = await Promise.all(
    snap.files.map((a) =>
      readDataFile(storage, a, { schema: snap.schema, partitionColumns: snap.partitionColumns })
    ),
  );
  const df = pl.concat(frames, { how: "vertical" });
  return columns ? df.select(...columns) : df;
}

/** A table: files at `folder/n.parquet` with the given partition values and rows. */
async function build(
  dir: string,
  fields: Record<string, unknown>[],
  partitionColumns: string[],
  files: { folder: string; values: Record<string, string | null>; data: pl.DataFrame }[],
) {
  const s = new LocalStorage(dir);
  const adds: { add: AddAction }[] = [];
  for (const [n, f] of files.entries()) {
    const path = `${f.folder ? `${f.folder}/` : ""}${n}.parquet`;
    await s.put(path, parquetBytes(f.data));
    adds.push(add(uri(path), { partitionValues: f.values }));
  }
  await writeCommit(s, 0, [protocol(), metadata(fields, { partitionColumns }), ...adds]);
}

Deno.test("hive read: folders holding the log's values are read in one scan", async (t) => {
  await withDir(async (dir) => {
    const fields = [
      field("s", "string"),
      field("x", "long"),
      field("d", "date"),
      field("n", "integer"),
      field("b", "boolean"),
      field("l", "long"),
    ];
    const parts = ["s", "d", "n", "b", "l"];
    const v = (s: string | null, d: string | null, n: string, b: string, l: string) => ({
      values: { s, d, n, b, l },
      folder: [
        `s=${s || "__HIVE_DEFAULT_PARTITION__"}`,
        `d=${d ?? "__HIVE_DEFAULT_PARTITION__"}`,
        `n=${n}`,
        `b=${b}`,
        `l=${l}`,
      ].join("/"),
    });
    const a = v("a b'\"é", "1969-12-31", "-5", "true", "9223372036854775807");
    const nulls = v(null, null, "0", "false", "-9223372036854775808");
    const empty = v("", "2024-02-29", "7", "true", "1"); // "" is a null string partition
    await build(dir, fields, parts, [
      { ...a, data: pl.DataFrame([i64("x", [1, 2])]) },
      { ...nulls, data: pl.DataFrame([i64("x", [3])]) },
      { ...a, data: pl.DataFrame([i64("x", [4])]) }, // same partition again, later
      { ...empty, data: pl.DataFrame([i64("x", [5])]) },
    ]);
    const table = await DeltaTable.open(dir);

    await t.step("one scan; values, types, column and row order as the log says", async () => {
      const lf = await table.scan();
      assert.equal(scanCount(lf), 1);
      const df = await lf.collect();
      const want = await oracle(dir);
      assert.deepEqual(df.columns, ["s", "x", "d", "n", "b", "l"]);
      assert.deepEqual(df.dtypes.map(String), want.dtypes.map(String));
      assert.deepEqual(text(df), text(want));
      assert.deepEqual(df.getColumn("x").toArray(), [1, 2, 3, 4, 5]);
      assert.equal(df.getColumn("s").nullCount(), 2);
    });

    await t.step("projections and partition filters", async () => {
      const cols = ["l", "x", "d"];
      const df = await (await table.scan({ columns: cols })).collect();
      assert.deepEqual(text(df), text(await oracle(dir, cols)));
      const filter: Filter = [["n", "=", -5]];
      const lf = await table.scan({ columns: ["x", "s"], filter });
      assert.deepEqual((await lf.collect()).getColumn("x").toArray(), [1, 2, 4]);
      const nullS = await (await table.scan({ columns: ["x"], filter: [["s", "is null"]] }))
        .collect();
      assert.deepEqual(nullS.getColumn("x").toArray(), [3, 5]);
    });

    await t.step("only partition columns: row counts kept, one scan", async () => {
      const lf = await table.scan({ columns: ["n", "s"] });
      assert.equal(scanCount(lf), 1);
      assert.deepEqual(text(await lf.collect()), text(await oracle(dir, ["n", "s"])));
    });

    await t.step("projection and predicate pushdown reach the scan", async () => {
      const lf = await table.scan({ columns: ["x", "n"], filter: [["x", ">", 1]] });
      const plan = lf.describeOptimizedPlan();
      assert.match(plan, /PROJECT 2\/6 COLUMNS/);
      assert.match(plan, /SELECTION: .*col\("x"\)/);
      // the partition filter prunes files before Polars sees them
      const pruned = await table.scan({ columns: ["x"], filter: [["n", "=", 7]] });
      assert.match(pruned.describeOptimizedPlan(), /Parquet SCAN \[[^\],]*\]/);
      assert.deepEqual((await pruned.collect()).getColumn("x").toArray(), [5]);
    });
  });
});

Deno.test("hive read: escaped folder names decode to the log's values", async () => {
  await withDir(async (dir) => {
    const values = [["BTC%2FUSD%3A1", "BTC/USD:1"], ["100%25", "100%"], ["a%3Db", "a=b"]];
    await build(
      dir,
      [field("x", "long"), field("p", "string")],
      ["p"],
      values.map(([folder, p], i) => ({
        folder: `p=${folder}`,
        values: { p },
        data: pl.DataFrame([i64("x", [i])]),
      })),
    );
    const lf = await (await DeltaTable.open(dir)).scan();
    assert.equal(scanCount(lf), 1);
    assert.deepEqual((await lf.collect()).rows(), [[0, "BTC/USD:1"], [1, "100%"], [2, "a=b"]]);
  });
});

Deno.test("hive read: folders that disagree with the log are ignored", async (t) => {
  await t.step("a folder naming another value, and files outside any folder", async () => {
    await withDir(async (dir) => {
      await build(dir, [field("x", "long"), field("p", "string")], ["p"], [
        { folder: "p=a", values: { p: "a" }, data: pl.DataFrame([i64("x", [1])]) },
        { folder: "p=b", values: { p: "WRONG_FOLDER" }, data: pl.DataFrame([i64("x", [2])]) },
        { folder: "", values: { p: "c" }, data: pl.DataFrame([i64("x", [3])]) },
      ]);
      const df = await (await DeltaTable.open(dir)).scan().then((lf) => lf.collect());
      assert.deepEqual(df.rows(), [[1, "a"], [2, "WRONG_FOLDER"], [3, "c"]]);
    });
  });

  await t.step("a data file storing the partition column with other values", async () => {
    await withDir(async (dir) => {
      await build(dir, [field("x", "long"), field("p", "string")], ["p"], [
        {
          folder: "p=a",
          values: { p: "a" },
          data: pl.DataFrame([i64("x", [1]), pl.Series("p", ["stored"])]),
        },
        {
          folder: "p=b",
          values: { p: "b" },
          data: pl.DataFrame([i64("x", [2]), i64("p", [99])]), // even of another type
        },
      ]);
      const lf = await (await DeltaTable.open(dir)).scan();
      assert.equal(scanCount(lf), 1);
      assert.deepEqual((await lf.collect()).rows(), [[1, "a"], [2, "b"]]);
    });
  });

  await t.step('an empty folder value for a null partition (Polars reads it as "")', async () => {
    await withDir(async (dir) => {
      await build(dir, [field("x", "long"), field("p", "string")], ["p"], [
        { folder: "p=", values: { p: null }, data: pl.DataFrame([i64("x", [1])]) },
        { folder: "p=a", values: { p: "a" }, data: pl.DataFrame([i64("x", [2])]) },
      ]);
      const df = await (await DeltaTable.open(dir)).scan().then((lf) => lf.collect());
      assert.deepEqual(df.rows(), [[1, null], [2, "a"]]);
    });
  });

  await t.step("a table root with a key=value folder of its own", async () => {
    await withDir(async (outer) => {
      const dir = join(outer, "x=9", "table");
      await build(dir, [field("x", "long"), field("p", "integer")], ["p"], [
        { folder: "p=1", values: { p: "1" }, data: pl.DataFrame([i64("x", [1])]) },
        { folder: "p=2", values: { p: "2" }, data: pl.DataFrame([i64("x", [2])]) },
      ]);
      const df = await (await DeltaTable.open(dir)).scan().then((lf) => lf.collect());
      assert.deepEqual(df.columns, ["x", "p"]);
      assert.deepEqual(df.rows(), [[1, 1], [2, 2]]);
    });
  });

  await t.step("timestamp, decimal and escaped values come from the log", async () => {
    await withDir(async (dir) => {
      const fields = [field("x", "long"), field("ts", "timestamp"), field("dec", "decimal(5,2)")];
      await build(dir, fields, ["ts", "dec"], [
        {
          folder: "ts=2024-01-01 10%3A00%3A00/dec=1.50",
          values: { ts: "2024-01-01 10:00:00", dec: "1.50" },
          data: pl.DataFrame([i64("x", [1])]),
        },
        {
          folder: "ts=__HIVE_DEFAULT_PARTITION__/dec=__HIVE_DEFAULT_PARTITION__",
          values: { ts: null, dec: null },
          data: pl.DataFrame([i64("x", [2])]),
        },
      ]);
      const df = await (await DeltaTable.open(dir)).scan().then((lf) => lf.collect());
      const want = await oracle(dir);
      assert.deepEqual(df.dtypes.map(String), want.dtypes.map(String));
      assert.deepEqual(text(df), text(want));
      assert.equal(text(df)[0], JSON.stringify(["1", "2024-01-01 10:00:00.000000+00:00", "1.50"]));
    });
  });
});

Deno.test("hivePartitionSchema accepts only folders Polars parses to the log's values", async (t) => {
  const schema: StructType = {
    type: "struct",
    fields: [
      { name: "x", type: "long", nullable: true, metadata: {} },
      { name: "p", type: "string", nullable: true, metadata: {} },
      { name: "n", type: "byte", nullable: true, metadata: {} },
    ],
  };
  const opts = { schema, partitionColumns: ["p", "n"] };
  const one = (path: string, p: string | null, n: string | null) =>
    hivePartitionSchema([`/t/${path}`], [{
      path,
      partitionValues: { p, n },
      size: 1,
      modificationTime: 0,
      dataChange: true,
    }], opts);
  await t.step("matching folders", () => {
    const hive = one("p=a/n=-3/f.parquet", "a", "-3");
    assert.deepEqual(Object.keys(hive ?? {}), ["p", "n"]);
    assert.ok(one("p=__HIVE_DEFAULT_PARTITION__/n=1/f.parquet", null, "1"));
    assert.ok(one("p=__HIVE_DEFAULT_PARTITION__/n=1/f.parquet", "", "1"));
    assert.ok(one("p=BTC%2FUSD%3a1/n=1/f.parquet", "BTC/USD:1", "1"));
    assert.ok(one("p=100%/n=1/f.parquet", "100%", "1")); // no hex digits: kept as is
  });
  for (
    const [why, path, p, n] of [
      ["folders in another order", "n=1/p=a/f.parquet", "a", "1"],
      ["a missing folder", "p=a/f.parquet", "a", "1"],
      ["an extra key=value folder", "p=a/n=1/q=2/f.parquet", "a", "1"],
      ["a non-canonical integer", "p=a/n=007/f.parquet", "a", "007"],
      ["an out-of-range integer", "p=a/n=300/f.parquet", "a", "300"],
      ["an escape the log does not decode to", "p=a%20b/n=1/f.parquet", "a%20b", "1"],
      ["a folder value that is not UTF-8 once decoded", "p=%FF/n=1/f.parquet", "\u00ff", "1"],
      [
        "the null marker as a value",
        "p=__HIVE_DEFAULT_PARTITION__/n=1/f.parquet",
        "__HIVE_DEFAULT_PARTITION__",
        "1",
      ],
      ["an empty folder for a null", "p=/n=1/f.parquet", null, "1"],
      ["a value differing from the folder", "p=a/n=1/f.parquet", "b", "1"],
    ] as const
  ) {
    await t.step(`rejects ${why}`, () => assert.equal(one(path, p, n), undefined));
  }
  await t.step("rejects a table root with a key=value folder", () => {
    const add = {
      path: "p=a/n=1/f.parquet",
      partitionValues: { p: "a", n: "1" },
      size: 1,
      modificationTime: 0,
      dataChange: true,
    };
    assert.equal(hivePartitionSchema(["/k=v/t/p=a/n=1/f.parquet"], [add], opts), undefined);
  });
  await t.step("rejects types Polars may parse differently", () => {
    const ts: StructType = {
      type: "struct",
      fields: [{ name: "t", type: "timestamp", nullable: true, metadata: {} }],
    };
    const add = {
      path: "t=2024-01-01/f.parquet",
      partitionValues: { t: "2024-01-01" },
      size: 1,
      modificationTime: 0,
      dataChange: true,
    };
    const got = hivePartitionSchema([`/t/${add.path}`], [add], {
      schema: ts,
      partitionColumns: ["t"],
    });
    assert.equal(got, undefined);
  });
});
