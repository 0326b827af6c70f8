import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  DeltaManifestRepo,
  MANIFEST_COMPACT_TARGET_BYTES,
  MANIFEST_COMPACT_THRESHOLD,
} from "../../src/io/delta_manifest_repo.ts";
import { DeltaTable } from "../../src/io/delta/delta_table.ts";
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

/** The log in a fixed order, as plain records (compaction may reorder files). */
async function sortedLog(repo: DeltaManifestRepo): Promise<Record<string, unknown>[]> {
  const log = await repo.readLog();
  return log.sort(["file_id", "created_at_ts", "finished_at_ts", "status"]).toRecords();
}

function liveFiles(uri: string): Promise<number> {
  return DeltaTable.open(uri).then((t) => t.files().length);
}

/** A clock that ticks 1 µs per call, so every status row has its own timestamp. */
function ticking(start = 1_700_000_000_000_000): () => number {
  let t = start;
  return () => ++t;
}

Deno.test("automatic compaction", async (t) => {
  await t.step("starts when the small files reach the threshold, keeping every row", async () => {
    const dir = await Deno.makeTempDir({ prefix: "pointline_manifest_" });
    try {
      const uri = `${dir}/m`;
      const repo = new DeltaManifestRepo(uri, { compactThreshold: 6, nowUs: ticking() });
      const files = [meta(1), meta(2), meta(3), meta(4), meta(5)];
      await repo.resolveFileIds(files); // file 1 of the table
      const statuses = ["success", "failed", "quarantined", "success"] as const;
      for (let i = 0; i < 4; i++) {
        await repo.updateStatus(i + 1, statuses[i], files[i], { rows_written: i, rows_read: i });
        assert.equal(await liveFiles(uri), i + 2, `no compaction below the threshold (${i})`);
        assert.equal(repo.lastMaintenance, undefined);
      }
      const before = await sortedLog(repo);
      await repo.updateStatus(5, "failed", files[4], { error_message: "boom" }); // 6th file
      const m = repo.lastMaintenance;
      assert.ok(m, "a compaction ran");
      assert.equal(m.committed, true);
      assert.equal(m.smallFiles, 6);
      assert.equal(m.filesRemoved, 6);
      assert.equal(m.filesAdded, 1);
      assert.equal(await liveFiles(uri), 1);
      const after = await sortedLog(repo);
      assert.equal(after.length, 10);
      const added = (r: Record<string, unknown>) => r.file_id === 5 && r.status === "failed";
      assert.deepEqual(after.filter((r) => !added(r)), before, "earlier rows unchanged");
      assert.equal(after.filter(added).length, 1, "the triggering row is kept");
      const history = await (await DeltaTable.open(uri)).history(1);
      assert.equal(history[0].operation, "OPTIMIZE");
      assert.equal(
        String((history[0].operationParameters as Record<string, unknown>).targetSize),
        String(MANIFEST_COMPACT_TARGET_BYTES),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("counts the commits of every writer, not only its own", async () => {
    await withRepo(async (_repo, uri) => {
      const a = new DeltaManifestRepo(uri, { compactThreshold: 6 });
      const b = new DeltaManifestRepo(uri, { compactThreshold: 6 });
      await a.resolveFileIds([meta(1), meta(2)]); // version 0: 1 file
      for (let i = 0; i < 3; i++) await b.updateStatus(1, "failed", meta(1)); // 4 files
      await a.updateStatus(2, "failed", meta(2)); // 5 files
      assert.equal(await liveFiles(uri), 5);
      await a.updateStatus(2, "success", meta(2)); // 6 files: a's next commit compacts
      assert.equal(a.lastMaintenance?.committed, true);
      assert.equal(await liveFiles(uri), 1);
      assert.equal((await a.readLog()).height, 7);
    });
  });

  await t.step("is off with an infinite threshold and on by default at 64", async () => {
    await withRepo(async (_repo, uri) => {
      assert.equal(MANIFEST_COMPACT_THRESHOLD, 64);
      const off = new DeltaManifestRepo(uri, { compactThreshold: Infinity });
      await off.resolveFileIds([meta(1)]);
      for (let i = 0; i < 8; i++) await off.updateStatus(1, "failed", meta(1));
      assert.equal(await liveFiles(uri), 9);
      assert.equal(off.lastMaintenance, undefined);
      assert.equal(await off.countSmallFiles(), 9);
    });
  });
});

Deno.test("compact keeps the status log exactly and ids keep minting uniquely", async () => {
  await withRepo(async (_repo, uri) => {
    const repo = new DeltaManifestRepo(uri, { compactThreshold: Infinity, nowUs: ticking() });
    const files = Array.from({ length: 12 }, (_, i) => meta(i + 1));
    await repo.resolveFileIds(files.slice(0, 6));
    await repo.resolveFileIds(files.slice(6));
    for (const [i, f] of files.entries()) {
      if (i % 3 === 0) await repo.updateStatus(i + 1, "failed", f, { error_message: `e${i}` });
      if (i % 4 !== 1) {
        await repo.updateStatus(i + 1, i % 5 === 0 ? "quarantined" : "success", f, {
          rows_read: 10 * i,
          rows_written: 9 * i,
          rows_quarantined: i,
          ts_local_min_us: 1000 * i,
          ts_local_max_us: 1000 * i + 5,
        });
      }
    }
    const logBefore = await sortedLog(repo);
    const currentBefore = (await repo.readAll()).toRecords();
    const entriesBefore = await repo.resolveFileIds(files);
    const pendingBefore = await repo.filterPending([...files, meta(99)]);
    const filesBefore = await liveFiles(uri);
    const dtypesBefore = (await repo.readLog()).dtypes.map(String);

    const r = await repo.compact();
    assert.equal(r.committed, true);
    assert.equal(r.filesRemoved, filesBefore);
    assert.equal(await liveFiles(uri), 1, "the file count drops");
    assert.deepEqual(await sortedLog(repo), logBefore, "same rows, statuses, ids, timestamps");
    assert.deepEqual((await repo.readAll()).toRecords(), currentBefore);
    assert.deepEqual((await repo.readLog()).dtypes.map(String), dtypesBefore);
    assert.deepEqual(await repo.resolveFileIds(files), entriesBefore, "same ids and attempts");
    assert.deepEqual(await repo.filterPending([...files, meta(99)]), pendingBefore);
    assert.equal((await repo.compact()).committed, false, "nothing left to compact");

    const fresh = await repo.resolveFileIds([meta(50), meta(3), meta(51)]);
    assert.deepEqual(fresh.map((e) => e.fileId), [13, 3, 14], "minting continues above 12");
    const ids = (await repo.readAll()).getColumn("file_id").toArray().map(Number);
    assert.deepEqual(ids, Array.from({ length: 14 }, (_, i) => i + 1));
  });
});

Deno.test("a writer racing a compaction loses nothing", async () => {
  // The writer appends statuses while optimize reads the small files, so its commits land
  // between the compaction's snapshot and its commit (checked: the OPTIMIZE commit's
  // readVersion is older than its parent). About half the rounds race: rounds repeat until
  // one did (20 misses in a row would be a one-in-a-million chance).
  let raced = 0;
  for (let round = 0; round < 20 && raced < 1; round++) {
    await withRepo(async (_repo, uri) => {
      const repo = new DeltaManifestRepo(uri, { compactThreshold: Infinity, nowUs: ticking() });
      const other = new DeltaManifestRepo(uri, {
        compactThreshold: Infinity,
        nowUs: ticking(1_800_000_000_000_000),
      });
      const files = Array.from({ length: 40 }, (_, i) => meta(i + 1));
      await repo.resolveFileIds(files);
      for (let i = 0; i < 30; i++) await repo.updateStatus(i + 1, "success", files[i]);
      const before = await sortedLog(repo);
      let compactionDone = false;
      const writer = (async () => {
        let n = 0;
        // Blind appends until the compaction landed (and one more after it).
        for (; n < 10 && (!compactionDone || n < 1); n++) {
          await other.updateStatus(31 + n, "failed", files[30 + n], { error_message: "x" });
        }
        return n;
      })();
      const [result, written] = await Promise.all([
        repo.compact().finally(() => compactionDone = true),
        writer,
      ]);
      assert.equal(result.committed, true);
      const log = await sortedLog(repo);
      assert.equal(log.length, before.length + written, "every row of both writers");
      const keys = log.map((r) =>
        `${r.file_id}/${r.status}/${r.created_at_ts}/${r.finished_at_ts}`
      );
      assert.equal(new Set(keys).size, keys.length, "no row duplicated");
      const raceRows = (r: Record<string, unknown>) => r.error_message === "x";
      assert.deepEqual(log.filter((r) => !raceRows(r)), before, "earlier rows unchanged");
      assert.equal(log.filter(raceRows).length, written);
      const history = await (await DeltaTable.open(uri)).history();
      const opt = history.find((h) => h.operation === "OPTIMIZE")!;
      if (Number(opt.readVersion) < opt.version - 1) raced++;
      // Minting after the race continues above every id.
      const fresh = await other.resolveFileIds([meta(77), meta(78)]);
      assert.deepEqual(fresh.map((e) => e.fileId), [41, 42]);
    });
  }
  assert.ok(raced >= 1, "no round raced the compaction");
});

Deno.test("concurrent writers compacting automatically lose nothing and never fail", async () => {
  await withRepo(async (_repo, uri) => {
    const repos = [0, 1, 2].map((p) =>
      new DeltaManifestRepo(uri, { compactThreshold: 4, nowUs: ticking(1e15 * (p + 1)) })
    );
    const perRepo = 8;
    const outcomes: string[] = [];
    await Promise.all(repos.map(async (r, p) => {
      for (let i = 0; i < perRepo; i++) {
        const f = meta(100 * p + i);
        const [e] = await r.resolveFileIds([f]);
        await r.updateStatus(e.fileId, "success", f, { rows_written: i });
        const m = r.lastMaintenance;
        if (m) outcomes.push(m.skipped ?? (m.committed ? "committed" : "nothing"));
      }
    }));
    assert.ok(!outcomes.includes("error"), `no compaction failed: ${outcomes}`);
    assert.ok(outcomes.includes("committed"), "compactions ran");
    const log = await repos[0].readLog();
    assert.equal(log.height, 3 * perRepo * 2, "a pending and a success row per file");
    const current = await repos[0].readAll();
    assert.equal(current.height, 3 * perRepo);
    assert.deepEqual(
      current.getColumn("file_id").toArray().map(Number),
      Array.from({ length: 3 * perRepo }, (_, i) => i + 1),
    );
    assert.deepEqual([...new Set(current.getColumn("status").toArray())], ["success"]);
    assert.ok(await repos[0].countSmallFiles() < 4 + 3, "small files stay near the threshold");
  });
});

Deno.test("two compactions racing: one lands, the other is skipped as a conflict", async () => {
  let conflicts = 0;
  for (let round = 0; round < 6 && conflicts === 0; round++) {
    await withRepo(async (_repo, uri) => {
      const repo = new DeltaManifestRepo(uri, { compactThreshold: Infinity, nowUs: ticking() });
      const files = Array.from({ length: 12 }, (_, i) => meta(i + 1));
      await repo.resolveFileIds(files);
      for (let i = 0; i < 12; i++) await repo.updateStatus(i + 1, "success", files[i]);
      const before = await sortedLog(repo);
      const rivals = [repo, new DeltaManifestRepo(uri, { compactThreshold: Infinity })];
      const results = await Promise.all(rivals.map((r) => r.compact()));
      assert.equal(results.filter((r) => r.committed).length, 1, JSON.stringify(results));
      const loser = results.find((r) => !r.committed)!;
      assert.ok(loser.skipped === undefined || loser.skipped === "conflict");
      if (loser.skipped === "conflict") conflicts++;
      assert.deepEqual(await sortedLog(repo), before, "no row lost or duplicated");
      assert.equal(await liveFiles(uri), 1);
    });
  }
  assert.ok(conflicts >= 1, "no round made the compactions conflict");
});

Deno.test("a failing compaction does not fail the status write", async () => {
  await withRepo(async (_repo, uri) => {
    const repo = new DeltaManifestRepo(uri, { compactThreshold: 3 });
    await repo.resolveFileIds([meta(1)]);
    await repo.updateStatus(1, "failed", meta(1));
    // A data file vanishes (say, an over-eager manual cleanup): optimize cannot read it.
    const victim = (await DeltaTable.open(uri)).files()[0].path;
    await Deno.remove(`${uri}/${victim}`);
    await repo.updateStatus(1, "success", meta(1), { rows_written: 3 });
    assert.equal(repo.lastMaintenance?.skipped, "error");
    assert.ok(repo.lastMaintenance?.error instanceof Error);
    assert.equal(await liveFiles(uri), 3, "the status row landed; nothing was compacted");
  });
});

Deno.test("two processes writing with automatic compaction lose nothing", async () => {
  // Real OS processes, as two `deno task ingest` runs: each mints and records its own files
  // with a low threshold, so both compact while the other writes.
  const repoModule = new URL("../../src/io/delta_manifest_repo.ts", import.meta.url).href;
  const child = (uri: string, p: number, n: number) => `
    import { DeltaManifestRepo } from ${JSON.stringify(repoModule)};
    const repo = new DeltaManifestRepo(${JSON.stringify(uri)}, { compactThreshold: 5 });
    const outcomes = [];
    for (let i = 0; i < ${n}; i++) {
      const m = {
        vendor: "tardis", exchange: "deribit", data_type: "trades", symbol: "BTC-PERPETUAL",
        date: "2024-07-30", bronze_path: "p${p}/f" + i + ".csv.gz", file_size_bytes: 1,
        last_modified_ts: 0, sha256: "s${p}-" + i,
      };
      const [e] = await repo.resolveFileIds([m]);
      await repo.updateStatus(e.fileId, "success", m, { rows_written: i });
      const last = repo.lastMaintenance;
      if (last) outcomes.push(last.skipped ?? (last.committed ? "committed" : "nothing"));
    }
    console.log(JSON.stringify(outcomes));
  `;
  await withRepo(async (_repo, uri) => {
    const n = 12;
    const cwd = new URL("../..", import.meta.url).pathname;
    const runs = await Promise.all([0, 1].map((p) =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", child(uri, p, n)],
        cwd,
        stdout: "piped",
        stderr: "piped",
      }).output()
    ));
    const outcomes: string[] = [];
    for (const r of runs) {
      const err = new TextDecoder().decode(r.stderr);
      assert.equal(r.code, 0, err);
      outcomes.push(...JSON.parse(new TextDecoder().decode(r.stdout)));
    }
    assert.ok(!outcomes.includes("error"), `no compaction failed: ${outcomes}`);
    assert.ok(outcomes.includes("committed"), `compactions ran: ${outcomes}`);
    const repo = new DeltaManifestRepo(uri);
    const log = await repo.readLog();
    assert.equal(log.height, 2 * n * 2, "a pending and a success row per file, none twice");
    const current = await repo.readAll();
    assert.deepEqual(
      current.getColumn("file_id").toArray().map(Number),
      Array.from({ length: 2 * n }, (_, i) => i + 1),
      "ids unique and dense",
    );
    assert.deepEqual([...new Set(current.getColumn("status").toArray())], ["success"]);
    assert.ok(await liveFiles(uri) < 5 + 4, "the file count stays near the threshold");
  });
});
