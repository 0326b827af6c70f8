import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { QUARANTINE_SCHEMA } from "../../src/domain/quarantine.ts";
import { emptyFrame } from "../../src/domain/table_schema.ts";
import { DeltaTable } from "../../src/io/delta/delta_table.ts";
import { DeltaTableRepo } from "../../src/io/delta_table_repo.ts";

function rows(fileId: number, n: number, rule = "r"): pl.DataFrame {
  return pl.DataFrame({
    file_id: pl.Series("file_id", Array(n).fill(fileId), pl.Int64),
    data_type: Array(n).fill("trades"),
    exchange: Array(n).fill("deribit"),
    date: Array(n).fill("2024-07-30"),
    file_line_number: pl.Series(
      "file_line_number",
      Array.from({ length: n }, (_, i) => i + 2),
      pl.Int64,
    ),
    rule: Array(n).fill(rule),
    detail: Array(n).fill(null),
    raw: Array(n).fill(null),
  }).withColumns(
    pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"),
    pl.col("detail").cast(pl.Utf8),
    pl.col("raw").cast(pl.Utf8),
  );
}

async function withRepo(f: (repo: DeltaTableRepo) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pointline_repo_" });
  try {
    await f(new DeltaTableRepo(`${dir}/t`, QUARANTINE_SCHEMA));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const count = async (repo: DeltaTableRepo, fileId: number) =>
  (await repo.readAll()).filter(pl.col("file_id").eq(pl.lit(fileId))).height;

Deno.test("writeFileRows commits a file's rows once: a repeated attempt is skipped", async () => {
  await withRepo(async (repo) => {
    const a = await repo.writeFileRows(rows(1, 3), { fileId: 1 });
    assert.deepEqual(a, { skipped: false, rowsWritten: 3, rowsRemoved: 0 });
    const b = await repo.writeFileRows(rows(1, 3), { fileId: 1 });
    assert.equal(b.skipped, true);
    assert.equal(await count(repo, 1), 3);
    const table = await DeltaTable.open(repo.uri);
    assert.equal(table.transactionVersion(repo.fileAppId(1)), 0);
    assert.equal(table.version, 0, "the skipped repeat made no commit");
  });
});

Deno.test("writeFileRows with a later attempt replaces the earlier rows in one commit", async () => {
  await withRepo(async (repo) => {
    await repo.writeFileRows(rows(1, 3), { fileId: 1 });
    await repo.writeFileRows(rows(2, 2), { fileId: 2 });
    const before = (await DeltaTable.open(repo.uri)).version;
    const res = await repo.writeFileRows(rows(1, 5), { fileId: 1, attempt: 1 });
    assert.deepEqual(res, { skipped: false, rowsWritten: 5, rowsRemoved: 3 });
    assert.equal((await DeltaTable.open(repo.uri)).version, before + 1);
    assert.equal(await count(repo, 1), 5);
    assert.equal(await count(repo, 2), 2, "other files untouched");
  });
});

Deno.test("writeFileRows removes the rows of superseded file ids atomically with the new rows", async () => {
  await withRepo(async (repo) => {
    await repo.writeFileRows(rows(1, 3), { fileId: 1 });
    const res = await repo.writeFileRows(rows(4, 2), { fileId: 4, supersededFileIds: [1] });
    assert.equal(res.rowsRemoved, 3);
    assert.equal(await count(repo, 1), 0);
    assert.equal(await count(repo, 4), 2);
  });
});

Deno.test("writeFileRows with no rows and nothing to replace commits nothing", async () => {
  await withRepo(async (repo) => {
    const res = await repo.writeFileRows(emptyFrame(QUARANTINE_SCHEMA), { fileId: 1 });
    assert.deepEqual(res, { skipped: false, rowsWritten: 0, rowsRemoved: 0 });
    assert.equal(await repo.exists(), false);
  });
});

Deno.test("concurrent writes of the same file attempt land once", async () => {
  await withRepo(async (repo) => {
    await repo.writeFileRows(rows(9, 1), { fileId: 9 }); // create the table first
    const other = new DeltaTableRepo(repo.uri, QUARANTINE_SCHEMA);
    const results = await Promise.all([
      repo.writeFileRows(rows(1, 4), { fileId: 1 }),
      other.writeFileRows(rows(1, 4), { fileId: 1 }),
    ]);
    assert.equal(results.filter((r) => !r.skipped).length, 1);
    assert.equal(await count(repo, 1), 4);
  });
});

Deno.test("deleteFiles removes only the given files and commits nothing when none match", async () => {
  await withRepo(async (repo) => {
    await repo.writeFileRows(rows(1, 3), { fileId: 1 });
    await repo.writeFileRows(rows(2, 2), { fileId: 2 });
    const v = (await DeltaTable.open(repo.uri)).version;
    assert.equal(await repo.deleteFiles([7]), 0);
    assert.equal((await DeltaTable.open(repo.uri)).version, v);
    assert.equal(await repo.deleteFiles([1]), 3);
    assert.equal((await repo.readAll()).height, 2);
  });
});

Deno.test("readAll of a missing table is an empty frame with the schema's columns", async () => {
  await withRepo(async (repo) => {
    const df = await repo.readAll();
    assert.equal(df.height, 0);
    assert.deepEqual(df.columns, QUARANTINE_SCHEMA.columns.map((c) => c.name));
  });
});

Deno.test("merge upserts on keys and creates a missing table", async () => {
  await withRepo(async (repo) => {
    await repo.merge(rows(1, 2, "a"), ["file_id", "file_line_number"]);
    await repo.merge(rows(1, 3, "b"), ["file_id", "file_line_number"]);
    const df = (await repo.readAll()).sort("file_line_number");
    assert.equal(df.height, 3);
    assert.deepEqual(df.getColumn("rule").toArray(), ["b", "b", "b"]);
  });
});
