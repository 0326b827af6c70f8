/**
 * `deno task ingest` on the real Tardis samples placed in a bronze layout (symlinked, so they
 * are read in place): every file lands with its exact row count and nothing is quarantined.
 */
import assert from "node:assert/strict";
import { TARDIS_FIXTURES } from "../_fixtures.ts";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { makeLake, REAL_SAMPLE_INSTRUMENTS, taskCommand } from "./_lake.ts";

/** Flat Tardis names for the real samples (plain CSV, as the fixtures are stored). */
const FILES: [string, string, number][] = [
  ["trades/tardis_trades.csv", "binance-futures_trades_2020-02-22_BTCUSDT.csv", 9999],
  ["trades/bitmex_trades_XBTUSD.csv", "bitmex_trades_2020-03-01_XBTUSD.csv", 10],
  ["quotes/tardis_quotes.csv", "binance-futures_quotes_2020-02-22_BTCUSDT.csv", 9999],
  ["quotes/huobi-dm-swap_quotes_BTC-USD.csv", "huobi-dm-swap_quotes_2020-05-01_BTC-USD.csv", 10],
  [
    "book_snapshot_25/binance-futures_book_snapshot_25_BTCUSDT.csv",
    "binance-futures_book_snapshot_25_2020-09-01_BTCUSDT.csv",
    10,
  ],
  [
    "incremental_book_L2/deribit_incremental_book_L2_BTC-PERPETUAL.csv",
    "deribit_incremental_book_L2_2020-04-01_BTC-PERPETUAL.csv",
    15,
  ],
];

const INSTRUMENTS = REAL_SAMPLE_INSTRUMENTS;

Deno.test("ingest lands every real Tardis sample with its exact row count", async () => {
  const t = await makeLake({ dim: false });
  try {
    const perp = JSON.parse(
      await Deno.readTextFile(`${TARDIS_FIXTURES}/instrument_metadata/instrument_perpetual.json`),
    );
    await t.services.dimSymbol.syncTardisInstruments([...INSTRUMENTS, perp], {
      effectiveTs: Date.UTC(2025, 0, 1) * 1000,
    });
    await Deno.mkdir(`${t.root}/bronze/datasets`, { recursive: true });
    for (const [fixture, name] of FILES) {
      await Deno.symlink(`${TARDIS_FIXTURES}/${fixture}`, `${t.root}/bronze/datasets/${name}`);
    }
    const out = await taskCommand("ingest.ts", ["--lake", t.root]).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
    assert.match(stdout, /success\s+6/);
    const lake = openDeltaLake(t.root);
    const manifest = (await lake.manifest.readAll()).sort("bronze_path").toRecords();
    const expected = new Map(FILES.map(([, name, rows]) => [`datasets/${name}`, rows]));
    for (const m of manifest) {
      assert.equal(m.status, "success", String(m.bronze_path));
      assert.equal(m.rows_written, expected.get(String(m.bronze_path)), String(m.bronze_path));
      assert.equal(m.rows_quarantined, 0, String(m.bronze_path));
    }
    assert.equal((await lake.events.trades.readAll()).height, 10009);
    assert.equal((await lake.events.quotes.readAll()).height, 10009);
    assert.equal((await lake.events.book_snapshot_25.readAll()).height, 10);
    assert.equal((await lake.events.incremental_book_L2.readAll()).height, 15);
    assert.equal((await lake.quarantine.readAll()).height, 0);
  } finally {
    await t.cleanup();
  }
});
