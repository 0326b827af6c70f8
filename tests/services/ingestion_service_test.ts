import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  SAMPLE_TICK_CHANGE_US,
  sampleInstruments,
} from "../../src/sample/sample_bronze.ts";
import type { IngestProgress } from "../../src/services/ingestion_service.ts";
import { makeLake, putBronze, sampleFile } from "../ingest/_lake.ts";

async function withSample(
  f: (t: Awaited<ReturnType<typeof makeLake>>) => Promise<void>,
  dim = true,
) {
  const t = await makeLake({ dim });
  try {
    for (const date of ["2024-07-30", "2024-07-31"]) {
      for (const dt of ["trades", "quotes"] as const) {
        const s = sampleFile(dt, "BTCUSDT", date, 30);
        await putBronze(t.root, s.path, s.csv);
      }
    }
    const d = sampleFile("derivative_ticker", "ETHUSDT", "2024-07-30", 10);
    await putBronze(t.root, d.path, d.csv);
    await f(t);
  } finally {
    await t.cleanup();
  }
}

Deno.test("IngestionService ingests every pending file once; a re-run finds nothing pending", async () => {
  await withSample(async (t) => {
    const progress: IngestProgress[] = [];
    const first = await t.services.ingestion.run({ onProgress: (p) => progress.push(p) });
    assert.equal(first.discovered, 5);
    assert.equal(first.byStatus.success, 5);
    assert.deepEqual(first.rowsByTable, { trades: 60, quotes: 60, derivative_ticker: 10 });
    assert.deepEqual(progress.map((p) => [p.done, p.total]), [[1, 5], [2, 5], [3, 5], [4, 5], [
      5,
      5,
    ]]);
    assert.ok(progress.every((p) => p.status === "success" && p.file.endsWith(".csv.gz")));
    assert.equal(progress.reduce((s, p) => s + p.rows, 0), 130);
    const ids = first.files.map((f) => f.fileId);
    assert.deepEqual(ids, [1, 2, 3, 4, 5], "ids minted in discovery order");

    const again = await t.services.ingestion.run();
    assert.equal(again.pending, 0);
    assert.equal(again.files.length, 0);
    assert.equal((await t.lake.events.trades.readAll()).height, 60);
    const manifest = await t.lake.manifest.readAll();
    assert.deepEqual(manifest.getColumn("status").toArray(), Array(5).fill("success"));
    assert.deepEqual(manifest.getColumn("rows_written").toArray(), [10, 30, 30, 30, 30]);
  });
});

Deno.test("IngestionService dry run mints no ids and writes nothing", async () => {
  await withSample(async (t) => {
    const res = await t.services.ingestion.run({ dryRun: true });
    assert.equal(res.pending, 5);
    assert.ok(res.files.every((f) => f.status === "pending" && f.fileId === undefined));
    assert.equal((await t.lake.manifest.readAll()).height, 0);
    assert.equal(await t.lake.events.trades.exists(), false);
  });
});

Deno.test("IngestionService filters by data type, exchange and date range", async () => {
  await withSample(async (t) => {
    const res = await t.services.ingestion.run({
      dataTypes: ["trades"],
      since: "2024-07-31",
      dryRun: true,
    });
    assert.deepEqual(res.files.map((f) => [f.meta.data_type, f.meta.date]), [[
      "trades",
      "2024-07-31",
    ]]);
    const none = await t.services.ingestion.run({ exchanges: ["deribit"], dryRun: true });
    assert.equal(none.discovered, 0);
    const until = await t.services.ingestion.run({
      until: "2024-07-30",
      exchanges: ["Binance-Futures"],
      dryRun: true,
    });
    assert.equal(until.discovered, 3);
  });
});

Deno.test("IngestionService --force re-ingest replaces a file's rows instead of duplicating them", async () => {
  await withSample(async (t) => {
    await t.services.ingestion.run();
    const before = (await t.lake.events.trades.readAll()).sort(["file_id", "file_line_number"]);
    const forced = await t.services.ingestion.run({ force: true, dataTypes: ["trades"] });
    assert.equal(forced.byStatus.success, 2);
    const after = (await t.lake.events.trades.readAll()).sort(["file_id", "file_line_number"]);
    assert.equal(after.height, 60);
    assert.ok(after.frameEqual(before), "same rows after a forced re-ingest");
    const twice = await t.services.ingestion.run({ force: true, dataTypes: ["trades"] });
    assert.equal(twice.byStatus.success, 2);
    assert.equal((await t.lake.events.trades.readAll()).height, 60);
  });
});

Deno.test("IngestionService quarantines files without dim_symbol coverage and retries them on request", async () => {
  await withSample(async (t) => {
    const first = await t.services.ingestion.run({ dataTypes: ["trades"] });
    assert.equal(first.byStatus.quarantined, 2);
    assert.match(first.files[0].message ?? "", /30 of 30 rows quarantined: symbol_resolved/);
    assert.equal(await t.lake.events.trades.exists(), false, "no rows reach the event table");
    assert.equal((await t.lake.quarantine.readAll()).height, 60);

    await t.services.dimSymbol.syncTardisInstruments(sampleInstruments(), {
      effectiveTs: SAMPLE_INSTRUMENTS_EFFECTIVE_US,
    });
    const plain = await t.services.ingestion.run({ dataTypes: ["trades"] });
    assert.equal(plain.pending, 0, "quarantined files are done unless retried");
    const retried = await t.services.ingestion.run({
      dataTypes: ["trades"],
      retryQuarantined: true,
    });
    assert.equal(retried.byStatus.success, 2);
    assert.equal((await t.lake.events.trades.readAll()).height, 60);
    assert.equal((await t.lake.quarantine.readAll()).height, 0, "stale quarantined rows replaced");
  }, false);
});

Deno.test("IngestionService encodes each trade with the dim_symbol version valid at its time", async () => {
  await withSample(async (t) => {
    await t.services.ingestion.run({ dataTypes: ["trades"] });
    const dim = (await t.lake.dim.readAll()).select("symbol_id", "price_increment");
    const trades = (await t.lake.events.trades.readAll()).join(dim, { on: "symbol_id" });
    const before = trades.filter(pl.col("ts_local_us").lt(pl.lit(SAMPLE_TICK_CHANGE_US)));
    const after = trades.filter(pl.col("ts_local_us").gtEq(pl.lit(SAMPLE_TICK_CHANGE_US)));
    assert.ok(before.height > 0 && after.height > 0);
    assert.deepEqual(before.getColumn("price_increment").unique().toArray(), [0.5]);
    assert.deepEqual(after.getColumn("price_increment").unique().toArray(), [0.1]);
    const decoded = trades.select(pl.col("px_int").mul(pl.col("price_increment")).alias("p"))
      .getColumn("p").toArray() as number[];
    assert.ok(decoded.every((p) => p > 60000 && p < 70000), "decoded prices near 66000");
  });
});
