import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import { computeFileStats, stringUpperBound } from "../../../src/io/delta/data_file_writer.ts";
import { escapePartitionValue, partitionPath } from "../../../src/io/delta/partition_path.ts";
import { ENGINE_INFO } from "../../../src/io/delta/commit.ts";
import {
  SchemaMismatchError,
  TableAlreadyExistsError,
  ValueOutOfRangeError,
} from "../../../src/io/delta/errors.ts";
import { tradesFrame } from "./_trades_frame.ts";

function sorted(df: pl.DataFrame, by = "id"): Record<string, unknown>[] {
  return df.sort(by).toRecords();
}

async function tmp(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "pointline_write_" });
}

Deno.test("writeDelta creates a reader 1 / writer 2 table whose rows read back", async () => {
  const dir = await tmp();
  const r = await writeDelta(dir, tradesFrame(10), { partitionBy: ["exchange"] });
  assert.equal(r.version, 0);
  assert.equal(r.filesAdded, 2);
  assert.equal(r.rowsWritten, 10);
  const t = await DeltaTable.open(dir);
  assert.deepEqual([t.protocol.minReaderVersion, t.protocol.minWriterVersion], [1, 2]);
  assert.deepEqual(t.metadata.partitionColumns, ["exchange"]);
  assert.ok(
    t.files().every((f) =>
      /^exchange=(binance|okx)\/part-\d{5}-[0-9a-f-]{36}-c000\.zstd\.parquet$/.test(f.path)
    ),
  );
  const back = await readDelta(dir);
  assert.deepEqual(
    sorted(back.select("id", "exchange", "px")),
    sorted(tradesFrame(10).select("id", "exchange", "px")),
  );
  const hist = await t.history();
  assert.equal(hist[0].operation, "CREATE TABLE");
  assert.equal(hist[0].engineInfo, ENGINE_INFO);
});

Deno.test("writeDelta modes: error refuses, ignore skips, append adds, overwrite replaces", async (t) => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(4));
  await t.step("error", async () => {
    await assert.rejects(writeDelta(dir, tradesFrame(4)), TableAlreadyExistsError);
  });
  await t.step("ignore", async () => {
    const r = await writeDelta(dir, tradesFrame(4), { mode: "ignore" });
    assert.equal(r.skipped, true);
    assert.equal((await DeltaTable.open(dir)).version, 0);
  });
  await t.step("append", async () => {
    const r = await writeDelta(dir, tradesFrame(3, 100), { mode: "append" });
    assert.equal(r.version, 1);
    assert.equal((await readDelta(dir)).height, 7);
  });
  await t.step("overwrite", async () => {
    const r = await writeDelta(dir, tradesFrame(2, 500), { mode: "overwrite" });
    assert.equal(r.filesRemoved, 2);
    const back = await readDelta(dir);
    assert.deepEqual(back.getColumn("id").cast(pl.Utf8).toArray().sort(), ["500", "501"]);
  });
  await t.step("an empty append makes no commit", async () => {
    const r = await writeDelta(dir, tradesFrame(1).head(0), { mode: "append" });
    assert.equal(r.skipped, true);
    assert.equal((await DeltaTable.open(dir)).version, 2);
  });
});

Deno.test("writeDelta overwrite with a partition predicate removes only that partition without reading", async () => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(12), { partitionBy: ["day"] });
  const before = (await DeltaTable.open(dir)).files();
  const day0 = tradesFrame(12).filter(pl.col("id").modulo(3).eq(0));
  const replacement = day0.withColumns(pl.lit(-1).alias("px"));
  const r = await writeDelta(dir, replacement, {
    mode: "overwrite",
    predicate: [["day", "=", new Date(19700 * 86_400_000)]],
  });
  assert.equal(r.filesRemoved, 1);
  assert.equal(r.filesAdded, 1);
  const after = (await DeltaTable.open(dir)).files();
  const untouched = before.filter((f) => after.some((g) => g.path === f.path));
  assert.equal(untouched.length, 2, "the other two day partitions keep their files");
  const back = await readDelta(dir);
  assert.equal(back.height, 12);
  assert.equal(back.filter(pl.col("px").eq(-1)).height, 4);
});

Deno.test("writeDelta overwrite with a data-column predicate rewrites the non-matching rows of touched files", async () => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(10));
  await writeDelta(dir, tradesFrame(1, 100).withColumns(pl.lit(999).alias("px")), {
    mode: "overwrite",
    predicate: [["id", ">=", 5n]],
  });
  const back = await readDelta(dir);
  assert.deepEqual(back.getColumn("id").cast(pl.Utf8).toArray().sort(), [
    "0",
    "1",
    "100",
    "2",
    "3",
    "4",
  ]);
});

Deno.test("writeDelta overwrite refuses rows that do not match its predicate", async () => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(4), { partitionBy: ["exchange"] });
  await assert.rejects(
    writeDelta(dir, tradesFrame(4), { mode: "overwrite", predicate: [["exchange", "=", "okx"]] }),
    /2 of 4 rows do not match/,
  );
});

Deno.test("writeDelta schema: mismatch is an error naming the columns; merge adds a nullable column", async (t) => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(3));
  await t.step("extra column without merge", async () => {
    const err = await writeDelta(dir, tradesFrame(3).withColumns(pl.lit("x").alias("note")), {
      mode: "append",
    })
      .catch((e) => e);
    assert.ok(err instanceof SchemaMismatchError);
    assert.deepEqual(err.columns, ["note"]);
  });
  await t.step("type change is never coerced", async () => {
    const err = await writeDelta(dir, tradesFrame(3).withColumns(pl.col("id").cast(pl.Utf8)), {
      mode: "append",
      schemaMode: "merge",
    }).catch((e) => e);
    assert.ok(err instanceof SchemaMismatchError);
    assert.match(err.message, /"id" is string in the data but long in the table/);
  });
  await t.step("merge", async () => {
    const r = await writeDelta(dir, tradesFrame(2, 10).withColumns(pl.lit("x").alias("note")), {
      mode: "append",
      schemaMode: "merge",
    });
    assert.equal(r.version, 1);
    const back = await readDelta(dir);
    assert.deepEqual(back.columns, ["exchange", "px", "id", "day", "note"]);
    assert.equal(back.filter(pl.col("note").isNull()).height, 3);
  });
  await t.step("missing nullable columns are written as nulls", async () => {
    await writeDelta(dir, tradesFrame(1, 50).drop("px"), { mode: "append" });
    const back = await readDelta(dir);
    assert.equal(back.filter(pl.col("id").eq(50)).getColumn("px").get(0), null);
  });
});

Deno.test("writeDelta escapes partition values and reads them back", async () => {
  const dir = await tmp();
  const values = ["BTC/USD", "a:b", "50%", "x=y", "sp ace", "ü", null];
  const df = pl.DataFrame({ sym: values, n: values.map((_, i) => i) });
  await writeDelta(dir, df, { partitionBy: ["sym"] });
  const back = await readDelta(dir);
  assert.deepEqual(back.sort("n").getColumn("sym").toArray(), values);
  const files = (await DeltaTable.open(dir)).files().map((f) => f.path).sort();
  assert.ok(files.some((p) => p.startsWith("sym=BTC%2FUSD/")));
  assert.ok(files.some((p) => p.startsWith("sym=__HIVE_DEFAULT_PARTITION__/")));
  const log = await Deno.readTextFile(`${dir}/_delta_log/00000000000000000000.json`);
  assert.ok(log.includes('"path":"sym=a%253Ab/'), "the log path is the URI-encoded folder name");
});

Deno.test("partitionPath and escapePartitionValue follow the Hive rules", () => {
  assert.equal(escapePartitionValue("a\u0001b#c"), "a%01b%23c");
  assert.equal(escapePartitionValue(""), "__HIVE_DEFAULT_PARTITION__");
  assert.equal(partitionPath(["a", "b"], { a: "1", b: null }), "a=1/b=__HIVE_DEFAULT_PARTITION__");
  assert.throws(() => partitionPath(["a"], {}), TypeError);
});

Deno.test("file stats keep skipping safe: truncated strings, ms timestamps, exact 64-bit ints", () => {
  const long = "z".repeat(40);
  const df = pl.DataFrame({ s: ["a".repeat(40), long, null] }).withColumns(
    pl.Series("big", ["1", "9223372036854775807", "-9223372036854775808"]).cast(pl.Int64),
    pl.Series("ts", [1_001n, 2_999n, 5_500n]).cast(pl.Int64).cast(pl.Datetime("us", "UTC")),
    pl.Series("f", [1.5, NaN, 2]),
    pl.Series("b", [true, false, null]),
  );
  const text = computeFileStats(df);
  assert.ok(text.includes('"big":9223372036854775807'));
  assert.ok(text.includes('"big":-9223372036854775808'));
  const stats = JSON.parse(text);
  assert.equal(stats.numRecords, 3);
  assert.equal(stats.minValues.s, "a".repeat(32));
  assert.ok(stats.maxValues.s > long, "the truncated max is still an upper bound");
  assert.equal(stats.maxValues.s, "z".repeat(31) + "{");
  assert.equal(stats.minValues.ts, "1970-01-01T00:00:00.001Z", "min rounds down to ms");
  assert.equal(stats.maxValues.ts, "1970-01-01T00:00:00.006Z", "max rounds up to ms");
  assert.equal(stats.minValues.f, undefined, "NaN columns get no bounds");
  assert.equal(stats.nullCount.s, 1);
  assert.equal(stats.nullCount.b, 1);
  assert.equal(stats.minValues.b, undefined);
  assert.equal(stringUpperBound("a\u{10FFFF}"), "b");
  assert.equal(stringUpperBound("\u{10FFFF}"), undefined);
});

Deno.test("writeDelta splits partitions into files near targetFileSize", async () => {
  const dir = await tmp();
  const r = await writeDelta(dir, tradesFrame(60_000), { targetFileSize: 40_000 });
  assert.ok(r.filesAdded >= 3, `expected a split, got ${r.filesAdded} files`);
  const t = await DeltaTable.open(dir);
  const counts = t.files().map((f) => JSON.parse(f.stats!).numRecords as number);
  assert.equal(counts.reduce((a, b) => a + b, 0), 60_000);
  assert.equal((await readDelta(dir)).height, 60_000);
  // Each slice is planned before encoding (no whole-group encode first): files at or below the
  // target, and not far below it.
  const sizes = t.files().map((f) => f.size);
  for (const s of sizes) assert.ok(s <= 40_000, `file of ${s} bytes above the target`);
  assert.ok(
    sizes.reduce((a, b) => a + b, 0) / sizes.length >= 20_000,
    `files near the target: ${sizes.join(", ")}`,
  );
  for (const f of t.files()) {
    assert.equal((await Deno.stat(`${dir}/${f.path}`)).size, f.size, "add.size is the file size");
  }
});

Deno.test("writeDelta splits each partition on its own, keeping every row once", async () => {
  const dir = await tmp();
  const r = await writeDelta(dir, tradesFrame(90_000), {
    partitionBy: ["exchange"],
    targetFileSize: 40_000,
  });
  const t = await DeltaTable.open(dir);
  const byPartition = Object.groupBy(t.files(), (f) => String(f.partitionValues.exchange));
  assert.deepEqual(Object.keys(byPartition).sort(), ["binance", "okx"]);
  for (const files of Object.values(byPartition)) {
    assert.ok(files!.length >= 2, "both partitions split");
    assert.equal(
      files!.reduce((a, f) => a + (JSON.parse(f.stats!).numRecords as number), 0),
      45_000,
    );
    for (const f of files!) assert.ok(f.size <= 40_000);
  }
  assert.equal(r.filesAdded, t.files().length);
  const back = await readDelta(dir);
  assert.deepEqual(
    back.getColumn("id").toArray().map(Number).sort((a, b) => a - b),
    Array.from({ length: 90_000 }, (_, i) => i),
  );
});

Deno.test("writeDelta txn makes a batch idempotent and transactionVersion reads it back", async () => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(2), { txn: { appId: "ingest", version: 1 } });
  assert.equal((await DeltaTable.open(dir)).transactionVersion("ingest"), 1);
  const again = await writeDelta(dir, tradesFrame(2), {
    mode: "append",
    txn: { appId: "ingest", version: 1 },
  });
  assert.equal(again.skipped, true);
  await writeDelta(dir, tradesFrame(2, 2), {
    mode: "append",
    txn: { appId: "ingest", version: 2 },
  });
  const t = await DeltaTable.open(dir);
  assert.equal(t.transactionVersion("ingest"), 2);
  assert.equal((await readDelta(dir)).height, 4);
});

Deno.test("writeDelta checkpoints every delta.checkpointInterval commits", async () => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(1), { configuration: { "delta.checkpointInterval": "3" } });
  for (let i = 1; i <= 4; i++) {
    const r = await writeDelta(dir, tradesFrame(1, i), { mode: "append" });
    assert.equal(r.checkpointed, i === 3, `version ${i}`);
  }
  const last = JSON.parse(await Deno.readTextFile(`${dir}/_delta_log/_last_checkpoint`));
  assert.equal(last.version, 3);
  assert.equal(last.numOfAddFiles, 4);
  await Deno.remove(`${dir}/_delta_log/00000000000000000000.json`);
  const snap = await loadSnapshot(new LocalStorage(dir));
  assert.equal(snap.version, 4);
  assert.equal(snap.files.length, 5);
});

Deno.test("a reader of version N is unaffected by a concurrent commit of N+1", async () => {
  const dir = await tmp();
  await writeDelta(dir, tradesFrame(5));
  const reader = await DeltaTable.open(dir);
  const lazy = await reader.scan();
  await writeDelta(dir, tradesFrame(5, 5), { mode: "overwrite" });
  assert.equal(reader.version, 0);
  const rows = await lazy.collect();
  assert.deepEqual(rows.getColumn("id").cast(pl.Utf8).toArray().sort(), ["0", "1", "2", "3", "4"]);
  assert.equal((await (await reader.scan()).collect()).height, 5);
});

Deno.test("writeDelta creates timestamp_ntz tables with the timestampNtz feature", async () => {
  const dir = await tmp();
  const df = pl.DataFrame({ x: [1] }).withColumns(
    pl.Series("t", [1_000_000n]).cast(pl.Int64).cast(pl.Datetime("us")),
  );
  await writeDelta(dir, df);
  const t = await DeltaTable.open(dir);
  assert.equal(t.protocol.minReaderVersion, 3);
  assert.equal(t.protocol.minWriterVersion, 7);
  assert.deepEqual(t.protocol.readerFeatures, ["timestampNtz"]);
});

Deno.test("writeDelta enforces NOT NULL columns and refuses tables with invariants", async () => {
  const { MemoryStorage } = await import("../../../src/io/delta/memory_storage.ts");
  const s = new MemoryStorage();
  const schema = (meta: Record<string, unknown>) =>
    JSON.stringify({
      type: "struct",
      fields: [{ name: "x", type: "long", nullable: false, metadata: meta }],
    });
  const commit = (schemaString: string) =>
    new TextEncoder().encode(
      [
        { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
        {
          metaData: {
            id: "t",
            format: { provider: "parquet", options: {} },
            schemaString,
            partitionColumns: [],
            configuration: {},
          },
        },
      ].map((a) => JSON.stringify(a)).join("\n"),
    );
  await s.put("_delta_log/00000000000000000000.json", commit(schema({})));
  const withNull = pl.DataFrame({ x: ["1", null] }).withColumns(pl.col("x").cast(pl.Int64));
  const err = await writeDelta("mem://t", withNull, { storage: s, mode: "append" }).catch((e) => e);
  assert.ok(err instanceof SchemaMismatchError);
  assert.match(err.message, /"x" is not nullable but has 1 null values/);
  const ok = await writeDelta("mem://t", withNull.dropNulls(), { storage: s, mode: "append" });
  assert.equal(ok.version, 1);

  const s2 = new MemoryStorage();
  await s2.put(
    "_delta_log/00000000000000000000.json",
    commit(schema({ "delta.invariants": '{"expression":{"expression":"x > 0"}}' })),
  );
  await assert.rejects(
    writeDelta("mem://t", withNull.dropNulls(), { storage: s2, mode: "append" }),
    /delta\.invariants/,
  );
});

Deno.test("writeDelta rejects UInt64 values beyond long instead of writing nulls (new table, append, nested)", async () => {
  const dir = await tmp();
  try {
    const u64 = (values: bigint[]) => pl.Series("n", values, pl.UInt64);
    const big = 2n ** 63n;
    const e1 = await writeDelta(dir, pl.DataFrame([u64([1n, big])])).catch((e) => e);
    assert.ok(e1 instanceof ValueOutOfRangeError, String(e1));
    assert.equal(e1.column, "n");
    assert.equal(e1.sample, String(big));
    assert.ok(e1.message.includes('"n"') && e1.message.includes(`"${big}"`), e1.message);
    assert.ok(e1 instanceof SchemaMismatchError);
    let created = true;
    await Deno.stat(`${dir}/_delta_log`).catch(() => created = false);
    assert.equal(created, false, "nothing may be written");
    // values that fit are written exactly
    await writeDelta(dir, pl.DataFrame([u64([1n, big - 1n])]));
    const e2 = await writeDelta(dir, pl.DataFrame([u64([2n ** 64n - 1n])]), { mode: "append" })
      .catch((e) => e);
    assert.ok(e2 instanceof ValueOutOfRangeError, String(e2));
    assert.equal(e2.sample, String(2n ** 64n - 1n));
    const back = await readDelta(dir);
    assert.deepEqual(back.getColumn("n").cast(pl.Utf8).toArray(), ["1", String(big - 1n)]);
    // nested: a list of UInt64 inside a new column (schema merge)
    const nested = pl.DataFrame([
      u64([3n, 4n, 5n]),
      pl.Series("l", [[1n], [2n, big], null], pl.List(pl.UInt64)),
    ]);
    const e3 = await writeDelta(dir, nested, { mode: "append", schemaMode: "merge" })
      .catch((e) => e);
    assert.ok(e3 instanceof ValueOutOfRangeError, String(e3));
    assert.equal(e3.column, "l");
    assert.equal(e3.sample, `["2","${big}"]`);
    assert.equal((await readDelta(dir)).height, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
