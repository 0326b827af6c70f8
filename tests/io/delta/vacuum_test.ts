import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { vacuum } from "../../../src/io/delta/vacuum.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";

const HOUR = 3_600_000;

async function setup(): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  await writeDelta("mem://t", pl.DataFrame({ x: [1], p: ["a"] }), {
    storage: s,
    partitionBy: ["p"],
  });
  await writeDelta("mem://t", pl.DataFrame({ x: [2], p: ["a"] }), {
    storage: s,
    mode: "overwrite",
  });
  await s.put("p=a/orphan-from-crashed-writer.parquet", new Uint8Array([1, 2, 3]));
  await s.put("_delta_log/.00000000000000000002.json.tmp", new Uint8Array([1]));
  await s.put(".hidden/x.parquet", new Uint8Array([1]));
  await s.put("p=a/.0b5e-crashed-put.tmp", new Uint8Array([1]));
  return s;
}

Deno.test("vacuum is a dry run by default and lists only unreferenced old files", async () => {
  const s = await setup();
  const r = await vacuum("mem://t", { storage: s, now: Date.now() + 200 * HOUR });
  assert.equal(r.dryRun, true);
  assert.equal(r.files.length, 4);
  assert.ok(r.files.includes("p=a/orphan-from-crashed-writer.parquet"));
  assert.ok(r.files.includes("p=a/.0b5e-crashed-put.tmp"));
  assert.ok(
    r.files.includes("_delta_log/.00000000000000000002.json.tmp"),
    "a killed commit's temp",
  );
  assert.equal((await s.list("p=a/")).length, 4, "nothing deleted in a dry run");
});

Deno.test("vacuum deletes tombstoned and orphan files after the retention, never live files", async () => {
  const s = await setup();
  const live = (await DeltaTable.open("mem://t", { storage: s })).files().map((f) => f.path);
  const r = await vacuum("mem://t", { storage: s, now: Date.now() + 200 * HOUR, dryRun: false });
  assert.equal(r.files.length, 4);
  const left = (await s.list("p=a/")).map((m) => m.path);
  assert.deepEqual(left, live);
  assert.deepEqual((await readDelta("mem://t", { storage: s })).getColumn("x").toArray(), [2]);
  assert.deepEqual(
    (await s.list("_delta_log/")).map((m) => m.path),
    ["_delta_log/00000000000000000000.json", "_delta_log/00000000000000000001.json"],
    "log files are never vacuumed, only stale temp files there",
  );
});

Deno.test("vacuum keeps recent unreferenced files (a running writer may still commit them)", async () => {
  const s = await setup();
  const r = await vacuum("mem://t", { storage: s, dryRun: false });
  assert.deepEqual(r.files, []);
  const r2 = await vacuum("mem://t", {
    storage: s,
    retentionHours: 0,
    enforceRetention: false,
    now: Date.now() + 1000,
  });
  assert.equal(r2.files.length, 4, "retention 0 without enforcement lists all four");
});

Deno.test("vacuum refuses a retention shorter than the table's unless told", async () => {
  const s = await setup();
  await assert.rejects(vacuum("mem://t", { storage: s, retentionHours: 1 }), RangeError);
  const s2 = new MemoryStorage();
  await writeDelta("mem://t", pl.DataFrame({ x: [1] }), {
    storage: s2,
    configuration: { "delta.deletedFileRetentionDuration": "interval 1 hours" },
  });
  const r = await vacuum("mem://t", { storage: s2, retentionHours: 1 });
  assert.deepEqual(r.files, []);
});
