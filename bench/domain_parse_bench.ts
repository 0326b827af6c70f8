/**
 * Parsing and encoding a 2-million-row Tardis trades CSV against a bare `pl.readCSV` of the
 * same bytes (issue 3 target: at most 1.5x). The data is synthetic but shaped like the real
 * binance-futures BTCUSDT file (prices on a 0.01 grid, amounts on a 0.001 grid), built once
 * at module load.
 *
 * @module
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { transformTardisFile } from "../src/domain/event_table.ts";
import { encodeFixedPoint } from "../src/domain/fixed_point.ts";
import { parseTardisCsv } from "../src/domain/tardis_csv.ts";
import { TRADES } from "../src/domain/trades.ts";

const ROWS = 2_000_000;
const DAY_START_US = 1_582_329_600_000_000; // 2020-02-22T00:00:00Z

function _tradesCsv(rows: number): Uint8Array {
  const lines = ["exchange,symbol,timestamp,local_timestamp,id,side,price,amount"];
  let cents = 968_200;
  for (let i = 0; i < rows; i++) {
    cents += ((i * 7919) % 11) - 5;
    const ts = DAY_START_US + 2_000_000 + i * 40;
    const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
    const amount = `${1 + (i % 997) / 1000}`;
    lines.push(
      `binance-futures,BTCUSDT,${ts},${ts + 250},${42_377_944 + i},${
        i % 3 === 0 ? "sell" : "buy"
      },${price},${amount}`,
    );
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

const BYTES = _tradesCsv(ROWS);
const BUFFER = Buffer.from(BYTES.buffer, BYTES.byteOffset, BYTES.byteLength);
const DIM = pl.DataFrame({
  symbol_id: pl.Series("symbol_id", [7], pl.Int64),
  exchange_id: pl.Series("exchange_id", [2], pl.Int16),
  exchange_symbol: ["BTCUSDT"],
  valid_from_ts: pl.Series("valid_from_ts", [0], pl.Int64),
  valid_until_ts: pl.Series("valid_until_ts", [2 ** 53], pl.Int64),
  price_increment: [0.01],
  amount_increment: [0.001],
});

Deno.bench({
  name: "pl.readCSV of the same bytes",
  group: "parse 2M trades",
  baseline: true,
  n: 8,
  warmup: 2,
  fn() {
    const df = pl.readCSV(BUFFER);
    if (df.height !== ROWS) throw new Error(`read ${df.height} rows`);
  },
});

Deno.bench({
  name: "parseTardisCsv + encodeFixedPoint",
  group: "parse 2M trades",
  n: 8,
  warmup: 2,
  fn() {
    const { rows } = parseTardisCsv(BYTES, TRADES.csvColumns, { dataType: "trades" });
    const out = rows.withColumns(
      encodeFixedPoint("price", pl.lit(0.01)).alias("px_int"),
      encodeFixedPoint("amount", pl.lit(0.001)).alias("qty_int"),
    );
    if (out.height !== ROWS) throw new Error(`parsed ${out.height} rows`);
  },
});

Deno.bench({
  name: "transformTardisFile (parse, rules, resolve, encode, sort)",
  group: "parse 2M trades",
  n: 3,
  warmup: 1,
  fn() {
    const out = transformTardisFile(TRADES, BYTES, {
      fileId: 1,
      exchange: "binance-futures",
      date: "2020-02-22",
      dim: DIM,
    });
    if (out.rows.height !== ROWS) throw new Error(`kept ${out.rows.height} rows`);
  },
});
