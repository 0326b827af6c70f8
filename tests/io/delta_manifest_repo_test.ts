import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DeltaManifestRepo } from "../../src/io/delta_manifest_repo.ts";
import type { BronzeFileMetadata } from "../../src/io/protocols.ts";

function meta(i: number, sha = `sha${i}`): BronzeFileMetadata {
  const day = `2024-07-${String(10 + (i % 20)).padStart(2, "0")}`;
  return {
    vendor: "tardis",
    exchange: "deribit",
    data_type: "trades",
    symbol: "BTC-PERPETUAL",
    date: day,
    bronze_path: `datasets/f${i}/deribit_trades_${day}_BTC-PERPETUAL.csv.gz`,
    file_size_bytes: 100 + i,
    last_modified_ts: 1_700_000_000_000_000 + i,
    sha256: sha,
  };
}

async function withRepo(f: (repo: DeltaManifestRepo, uri: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pointline_manifest_" });
  try {
    await f(new DeltaManifestRepo(`${dir}/m`), `${dir}/m`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resolveFileIds mints sequential ids in one commit and returns the same ids again", async () => {
  await withRepo(async (repo) => {
    const files = [meta(1), meta(2), meta(3)];
    const a = await repo.resolveFileIds(files);
    assert.deepEqual(a.map((e) => e.fileId), [1, 2, 3]);
    assert.ok(a.every((e) => e.status === "pending" && e.attempts === 0));
    const b = await repo.resolveFileIds([meta(3), meta(1), meta(4)]);
    assert.deepEqual(b.map((e) => e.fileId), [3, 1, 4]);
    assert.equal(
      await repo.table.transactionVersion("pointline-ingest:file-id"),
      2,
      "two mint commits",
    );
  });
});

Deno.test("resolveFileIds stays unique when several repositories mint at once", async () => {
  // Batches of different sizes race (the case a bare "same txn app id" check misses: a
  // smaller batch landing between another process's read and its commit). 8 rounds.
  for (let round = 0; round < 8; round++) {
    await withRepo(async (repo, uri) => {
      const repos = [repo, ...Array.from({ length: 4 }, () => new DeltaManifestRepo(uri))];
      const batches = repos.map((_, p) =>
        Array.from({ length: 1 + ((p + round) % 3) }, (_, k) => meta(10 * (p + 1) + k))
      );
      const results = await Promise.all(
        repos.map((r, p) => r.resolveFileIds([...batches[p], meta(9)])),
      );
      const own = results.flatMap((r) => r.slice(0, -1).map((e) => e.fileId));
      const shared = results.map((r) => r[r.length - 1].fileId);
      assert.equal(new Set(own).size, own.length, `round ${round}: own ids ${own}`);
      assert.equal(new Set(shared).size, 1, `round ${round}: shared file got ids ${shared}`);
      assert.ok(!own.includes(shared[0]));
      const log = await repo.readLog();
      assert.equal(log.height, own.length + 1, "one pending row per identity");
      const ids = log.getColumn("file_id").toArray().map(Number).sort((x, y) => x - y);
      assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1), "dense ids");
    });
  }
});

Deno.test("updateStatus appends one row; readAll shows the latest status per file", async () => {
  await withRepo(async (repo) => {
    const [e] = await repo.resolveFileIds([meta(1)]);
    await repo.updateStatus(e.fileId, "failed", meta(1), { error_message: "boom" });
    await repo.updateStatus(e.fileId, "success", meta(1), { rows_written: 7, rows_read: 7 });
    assert.equal((await repo.readLog()).height, 3);
    const current = (await repo.readAll()).toRecords();
    assert.equal(current.length, 1);
    assert.equal(current[0].status, "success");
    assert.equal(current[0].rows_written, 7);
    const [again] = await repo.resolveFileIds([meta(1)]);
    assert.equal(again.attempts, 2, "two terminal statuses so far");
  });
});

Deno.test("filterPending keeps new, unfinished and failed files; quarantined only on request", async () => {
  await withRepo(async (repo) => {
    const files = [meta(1), meta(2), meta(3), meta(4)];
    const ids = (await repo.resolveFileIds(files.slice(0, 4))).map((e) => e.fileId);
    await repo.updateStatus(ids[0], "success", files[0]);
    await repo.updateStatus(ids[1], "failed", files[1], { error_message: "x" });
    await repo.updateStatus(ids[2], "quarantined", files[2]);
    // ids[3] stays pending (an interrupted ingest).
    const candidates = [...files, meta(5)];
    const paths = (xs: BronzeFileMetadata[]) => xs.map((m) => m.date);
    assert.deepEqual(paths(await repo.filterPending(candidates)), [
      "2024-07-12",
      "2024-07-14",
      "2024-07-15",
    ]);
    assert.deepEqual(
      paths(await repo.filterPending(candidates, { retryQuarantined: true })),
      ["2024-07-12", "2024-07-13", "2024-07-14", "2024-07-15"],
    );
    assert.equal((await repo.filterPending(candidates, { force: true })).length, 5);
    // Changed content at a known path is pending, and supersedes the old id.
    const changed = meta(1, "new-sha");
    assert.deepEqual(paths(await repo.filterPending([changed])), ["2024-07-11"]);
    const [entry] = await repo.resolveFileIds([changed]);
    assert.deepEqual(entry.supersededFileIds, [ids[0]]);
    assert.equal(entry.fileId, 5, "the next id after 1..4");
  });
});

Deno.test("the manifest's status rows carry the schema's types", async () => {
  await withRepo(async (repo) => {
    await repo.resolveFileIds([meta(1)]);
    const df = await repo.readAll();
    assert.ok(df.getColumn("file_id").dtype.equals(pl.Int64));
    assert.ok(df.getColumn("date").dtype.equals(pl.Date));
    assert.equal(df.getColumn("finished_at_ts").nullCount(), 1, "pending has no finish time");
  });
});
