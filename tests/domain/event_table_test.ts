import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  eventTableSchema,
  ExchangeMismatchError,
  transformTardisFile,
} from "../../src/domain/event_table.ts";
import { UnknownExchangeError } from "../../src/domain/exchanges.ts";
import { QUARANTINE_SCHEMA } from "../../src/domain/quarantine.ts";
import { TRADES } from "../../src/domain/trades.ts";
import { QUOTES } from "../../src/domain/quotes.ts";
import { BOOK_SNAPSHOT_25 } from "../../src/domain/book_snapshot_25.ts";
import { L2_UPDATES } from "../../src/domain/l2_updates.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";
import {
  BINANCE_FUTURES_DIM,
  DAY_US,
  prefix,
  rulesByLine,
  testDim,
  transformLines,
} from "./_event_helpers.ts";

const HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount";
const read = (path: string) => Deno.readFileSync(`${TARDIS_FIXTURES}/${path}`);

Deno.test("transformTardisFile turns the real trades sample into 9,999 trades rows", () => {
  const out = transformTardisFile(TRADES, read("trades/tardis_trades.csv"), {
    fileId: 42n,
    exchange: "binance-futures",
    date: "2020-02-22",
    dim: BINANCE_FUTURES_DIM,
  });
  assert.equal(out.rowsRead, 9_999);
  assert.equal(out.rows.height, 9_999);
  assert.equal(out.quarantined.height, 0);
  assert.deepEqual(out.rows.columns, TRADES.schema.columns.map((c) => c.name));
  const first = out.rows.head(1).toRecords()[0];
  assert.equal(first.exchange, "binance-futures");
  assert.equal(first.exchange_id, 2);
  assert.equal(first.symbol_id, 7);
  assert.equal(first.ts_local_us, 1582329602418379);
  assert.equal(first.ts_exch_us, 1582329602111000);
  assert.equal(first.file_id, 42);
  assert.equal(first.file_line_number, 2);
  assert.equal(first.trade_id, "42377944");
  assert.equal(first.side, 0);
  assert.equal(first.px_int, 968200);
  assert.equal(first.qty_int, 132);
  const date = out.rows.select(pl.col("date").cast(pl.String)).getColumn("date").get(0);
  assert.equal(date, "2020-02-22");
  const sells = out.rows.filter(pl.col("side").eq(1)).height;
  assert.equal(sells, 4732);
});

Deno.test("transformTardisFile turns the real quotes sample into 9,999 quotes rows", () => {
  const out = transformTardisFile(QUOTES, read("quotes/tardis_quotes.csv"), {
    fileId: 1,
    exchange: "binance-futures",
    date: "2020-02-22",
    dim: BINANCE_FUTURES_DIM,
  });
  assert.equal(out.rows.height, 9_999);
  assert.equal(out.quarantined.height, 0);
  const first = out.rows.head(1).toRecords()[0];
  assert.deepEqual(
    [first.bid_px_int, first.bid_qty_int, first.ask_px_int, first.ask_qty_int],
    [968192, 670, 968200, 840],
  );
});

Deno.test("transformTardisFile turns the real book_snapshot_25 sample into 10 rows of 25-level lists", () => {
  const out = transformTardisFile(
    BOOK_SNAPSHOT_25,
    read("book_snapshot_25/binance-futures_book_snapshot_25_BTCUSDT.csv"),
    { fileId: 1, exchange: "binance-futures", date: "2020-09-01", dim: BINANCE_FUTURES_DIM },
  );
  assert.equal(out.rows.height, 10);
  assert.equal(out.quarantined.height, 0);
  const first = out.rows.head(1).toRecords()[0] as Record<string, unknown>;
  const bids = first.bids_px_int as number[];
  const asks = first.asks_px_int as number[];
  assert.equal(bids.length, 25);
  assert.equal(asks.length, 25);
  assert.deepEqual(bids.slice(0, 3), [1165707, 1165697, 1165578]);
  assert.deepEqual(asks.slice(0, 3), [1165708, 1165754, 1165756]);
  assert.deepEqual((first.bids_qty_int as number[]).slice(0, 2), [10896, 200]);
  assert.deepEqual((first.asks_qty_int as number[]).slice(0, 2), [1714, 5400]);
});

/** Deribit BTC-PERPETUAL (exchange 21) in one version from 0, as the real L2 excerpt needs. */
function deribitPerpetualDim(): pl.DataFrame {
  return testDim([
    {
      symbolId: 9,
      exchangeId: 21,
      symbol: "BTC-PERPETUAL",
      from: 0,
      priceIncrement: 0.5,
      amountIncrement: 10,
    },
  ]);
}

Deno.test("transformTardisFile turns the real L2 excerpt into 15 l2_updates rows", () => {
  const dim = deribitPerpetualDim();
  const out = transformTardisFile(
    L2_UPDATES,
    read("incremental_book_L2/deribit_incremental_book_L2_BTC-PERPETUAL.csv"),
    { fileId: 3, exchange: "deribit", date: "2020-04-01", dim },
  );
  assert.equal(out.rows.height, 15);
  assert.equal(out.quarantined.height, 0);
  assert.deepEqual(out.rows.getColumn("side").toArray(), new Array(15).fill(1));
  assert.deepEqual(out.rows.getColumn("is_snapshot").toArray(), new Array(15).fill(true));
  assert.deepEqual(out.rows.getColumn("px_int").toArray().slice(0, 3), [12843, 12844, 12845]);
  assert.deepEqual(out.rows.getColumn("qty_int").toArray().slice(0, 2), [1864, 119]);
});

Deno.test("common row rules: a failing and a passing row each", async (t) => {
  const cases: [string, string][] = [
    ["timestamps_positive", `binance-futures,BTCUSDT,0,0,1,buy,9682,1`],
    ["timestamps_positive", `binance-futures,BTCUSDT,-5,${DAY_US + 10},1,buy,9682,1`],
    ["date_matches_path", `${prefix(86_400_000_000)},1,buy,9682,1`],
    ["date_matches_path", `${prefix(-1000)},1,buy,9682,1`],
    ["exchange_matches_path", `,BTCUSDT,${DAY_US + 5},${DAY_US + 6},1,buy,9682,1`],
    ["symbol_present", `binance-futures,,${DAY_US + 5},${DAY_US + 6},1,buy,9682,1`],
  ];
  for (const [rule, line] of cases) {
    await t.step(`${rule}: ${line}`, () => {
      const out = transformLines(TRADES, [HEADER, `${prefix(5)},1,buy,9682,1`, line]);
      assert.deepEqual(rulesByLine(out), { 3: rule });
      assert.deepEqual(out.rows.getColumn("file_line_number").toArray(), [2]);
    });
  }
});

Deno.test("transformTardisFile uses the exchange time, or the local time when it is empty", () => {
  const out = transformLines(TRADES, [
    HEADER,
    `binance-futures,BTCUSDT,,${DAY_US + 500},1,buy,9682,1`,
    `${prefix(900)},2,buy,9682,1`,
  ]);
  assert.deepEqual(out.rows.getColumn("ts_exch_us").toArray(), [DAY_US + 500, DAY_US + 900]);
});

Deno.test("transformTardisFile quarantines rows without a covering dim_symbol version", () => {
  const dim = testDim([
    {
      symbolId: 7,
      exchangeId: 2,
      symbol: "BTCUSDT",
      from: DAY_US + 1000,
      priceIncrement: 0.01,
      amountIncrement: 0.001,
    },
  ]);
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(0)},1,buy,9682,1`, // local ts DAY_US + 100: before the first version
    `${prefix(5000, "ETHUSDT")},2,buy,250,1`, // unknown symbol
    `${prefix(5000)},3,buy,9682,1`,
  ], { dim });
  assert.deepEqual(rulesByLine(out), { 2: "symbol_resolved", 3: "symbol_resolved" });
  const details = out.quarantined.getColumn("detail").toArray() as string[];
  assert.match(details[0], /^no version covers ts: symbol=BTCUSDT local_timestamp=/);
  assert.match(details[1], /^unknown symbol: symbol=ETHUSDT/);
  assert.equal(out.rows.height, 1);
});

/** When BTCUSDT's increments change in {@linkcode TICK_CHANGE_DIM}. */
const TICK_CHANGE_US = DAY_US + 10_000;

/** BTCUSDT at 0.1 / 0.01 (id 70) until the change, then 0.01 / 0.001 (id 71). */
const TICK_CHANGE_DIM = testDim([
  {
    symbolId: 70,
    exchangeId: 2,
    symbol: "BTCUSDT",
    from: 0,
    until: TICK_CHANGE_US,
    priceIncrement: 0.1,
    amountIncrement: 0.01,
  },
  {
    symbolId: 71,
    exchangeId: 2,
    symbol: "BTCUSDT",
    from: TICK_CHANGE_US,
    priceIncrement: 0.01,
    amountIncrement: 0.001,
  },
]);

Deno.test("transformTardisFile encodes with the increments of the version valid at each row", () => {
  const change = TICK_CHANGE_US;
  const dim = TICK_CHANGE_DIM;
  const out = transformLines(TRADES, [
    HEADER,
    `binance-futures,BTCUSDT,${change - 1},${change - 1},1,buy,9682.1,0.5`, // old version
    `binance-futures,BTCUSDT,${change},${change},2,buy,9682.11,0.5`, // valid_from is inclusive
  ], { dim });
  assert.equal(out.quarantined.height, 0);
  const rows = out.rows.sort("file_line_number").toRecords();
  assert.deepEqual(rows.map((r) => [r.symbol_id, r.px_int, r.qty_int]), [
    [70, 96821, 50],
    [71, 968211, 500],
  ]);
});

Deno.test("transformTardisFile gives a file inside one version that version's id and increments", () => {
  const change = DAY_US + 10_000;
  const versions = [
    { symbolId: 70, from: 0, until: change, priceIncrement: 0.1, amountIncrement: 0.01 },
    { symbolId: 71, from: change, priceIncrement: 0.01, amountIncrement: 0.001 },
  ].map((v) => ({ ...v, exchangeId: 2, symbol: "BTCUSDT" }));
  const dim = testDim([
    ...versions,
    { ...versions[1], symbolId: 90, exchangeId: 3 }, // another exchange
  ]);
  const out = transformLines(TRADES, [
    HEADER,
    `binance-futures,BTCUSDT,${change},${change},1,buy,9682.11,0.5`,
    `binance-futures,BTCUSDT,${change + 7},${change + 7},2,sell,9682.12,0.125`,
  ], { dim });
  assert.equal(out.quarantined.height, 0);
  assert.deepEqual(out.rows.toRecords().map((r) => [r.symbol_id, r.px_int, r.qty_int]), [
    [71, 968211, 500],
    [71, 968212, 125],
  ]);
  const before = transformLines(TRADES, [
    HEADER,
    `binance-futures,BTCUSDT,${change - 2},${change - 2},1,buy,9682.1,0.5`,
    `binance-futures,BTCUSDT,${change - 1},${change - 1},2,sell,9682.2,0.25`,
  ], { dim });
  assert.deepEqual(before.rows.toRecords().map((r) => [r.symbol_id, r.px_int, r.qty_int]), [
    [70, 96821, 50],
    [70, 96822, 25],
  ]);
});

Deno.test("transformTardisFile keeps each row's own values when the file is out of time order", () => {
  const change = TICK_CHANGE_US;
  const dim = TICK_CHANGE_DIM;
  const out = transformLines(TRADES, [
    HEADER,
    `binance-futures,BTCUSDT,${change + 5},${change + 5},1,buy,9682.11,0.5`, // new version
    `binance-futures,ETHUSDT,${change + 4},${change + 4},2,buy,250,1`, // unknown symbol
    `binance-futures,BTCUSDT,${change - 1},${change - 1},3,sell,9682.1,0.25`, // old version
    `binance-futures,BTCUSDT,${change + 2},${change + 2},4,buy,9682.12,0.125`, // new version
  ], { dim });
  assert.deepEqual(rulesByLine(out), { 3: "symbol_resolved" });
  assert.equal(
    out.quarantined.getColumn("raw").get(0),
    `binance-futures,ETHUSDT,${change + 4},${change + 4},2,buy,250.0,1.0`,
  );
  const rows = out.rows.sort("file_line_number").toRecords();
  assert.deepEqual(
    rows.map((r) => [r.file_line_number, r.symbol_id, r.trade_id, r.px_int, r.qty_int]),
    [
      [2, 71, "1", 968211, 500],
      [4, 70, "3", 96821, 25],
      [5, 71, "4", 968212, 125],
    ],
  );
});

Deno.test("transformTardisFile quarantines a price off the increment grid instead of rounding it", () => {
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(1)},1,buy,9682.005,1`,
    `${prefix(2)},2,buy,9682.01,1.0005`,
    `${prefix(3)},3,buy,9682.01,1`,
  ]);
  assert.deepEqual(rulesByLine(out), { 2: "price_on_grid", 3: "amount_on_grid" });
  assert.match(out.quarantined.getColumn("detail").get(0), /price=9682.005 price_increment=0.01/);
  assert.equal(out.rows.height, 1);
});

Deno.test("transformTardisFile fails a file whose exchange column names another exchange", () => {
  assert.throws(
    () =>
      transformLines(TRADES, [
        HEADER,
        `${prefix(1)},1,buy,9682,1`,
        `binance,BTCUSDT,${DAY_US + 5},${DAY_US + 6},2,buy,9682,1`,
      ]),
    (err: unknown) => {
      assert.ok(err instanceof ExchangeMismatchError);
      assert.equal(err.line, 3);
      assert.equal(
        err.message,
        'Cannot ingest "trades" file: exchange column holds "binance" at line 3, but the path says "binance-futures"',
      );
      return true;
    },
  );
});

Deno.test("transformTardisFile accepts the exchange column in another case", () => {
  const out = transformLines(TRADES, [
    HEADER,
    `Binance-Futures,BTCUSDT,${DAY_US + 5},${DAY_US + 6},2,buy,9682,1`,
  ]);
  assert.equal(out.rows.getColumn("exchange").get(0), "binance-futures");
});

Deno.test("transformTardisFile rejects an unregistered exchange and a malformed context", () => {
  assert.throws(
    () => transformLines(TRADES, [HEADER], { exchange: "nasdaq" }),
    UnknownExchangeError,
  );
  assert.throws(() => transformLines(TRADES, [HEADER], { date: "2020-2-22" }), RangeError);
  assert.throws(() => transformLines(TRADES, [HEADER], { fileId: -1 }), RangeError);
});

Deno.test("transformTardisFile sorts rows by symbol_id, ts_local_us, file_line_number", () => {
  const dim = testDim([
    { symbolId: 9, exchangeId: 2, symbol: "AAA", from: 0, priceIncrement: 1, amountIncrement: 1 },
    { symbolId: 3, exchangeId: 2, symbol: "ZZZ", from: 0, priceIncrement: 1, amountIncrement: 1 },
  ]);
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(50, "AAA")},1,buy,1,1`,
    `${prefix(40, "AAA")},2,buy,1,1`,
    `${prefix(60, "ZZZ")},3,buy,1,1`,
    `${prefix(40, "AAA")},4,buy,1,1`,
  ], { dim });
  assert.deepEqual(out.rows.getColumn("trade_id").toArray(), ["3", "2", "4", "1"]);
});

Deno.test("transformTardisFile accounts for every row: read = written + quarantined", () => {
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(1)},1,buy,9682,1`,
    `${prefix(2)},2,buy,-1,1`,
    `${prefix(3)},3,buy,oops,1`,
    "",
    `${prefix(4)},4,buy,9682,1`,
  ]);
  assert.equal(out.rowsRead, 5);
  assert.equal(out.rows.height + out.quarantined.height, out.rowsRead);
  assert.deepEqual(rulesByLine(out), {
    3: "price_positive",
    4: "parse_error",
    5: "parse_error",
  });
  assert.equal(out.quarantined.getColumn("detail").get(2), "blank line");
  assert.deepEqual(out.quarantined.columns, QUARANTINE_SCHEMA.columns.map((c) => c.name));
  const q = out.quarantined.head(1).toRecords()[0];
  assert.equal(q.file_id, 11);
  assert.equal(q.data_type, "trades");
  assert.equal(q.exchange, "binance-futures");
  assert.equal(q.raw, `${prefix(2)},2,buy,-1.0,1.0`);
});

Deno.test("transformTardisFile returns empty, typed frames for an empty file", () => {
  for (const lines of [[], [HEADER]]) {
    const out = transformLines(TRADES, lines);
    assert.equal(out.rowsRead, 0);
    assert.equal(out.rows.height, 0);
    assert.deepEqual(out.rows.columns, TRADES.schema.columns.map((c) => c.name));
    assert.equal(out.quarantined.height, 0);
  }
});

Deno.test("eventTableSchema puts the common columns first and partitions by exchange and date", () => {
  const schema = eventTableSchema("x", [{ name: "v", type: "int64", nullable: false, doc: "v" }]);
  assert.deepEqual(schema.columns.map((c) => c.name), [
    "date",
    "exchange",
    "exchange_id",
    "symbol_id",
    "ts_local_us",
    "ts_exch_us",
    "file_id",
    "file_line_number",
    "v",
  ]);
  assert.deepEqual(schema.partitionBy, ["exchange", "date"]);
  assert.deepEqual(schema.sortBy, ["symbol_id", "ts_local_us", "file_line_number"]);
});

Deno.test("transformTardisFile builds lists from fixed-point fields and rejects mixed increments", () => {
  const withList = (values: string[]) => ({
    ...TRADES,
    schema: eventTableSchema("trades", [
      { name: "pq", type: { list: "int64" }, nullable: false, doc: "test list" },
    ]),
    lists: [{ as: "pq", values }],
    outputs: [pl.col("pq")],
  });
  const out = transformLines(withList(["price", "price"]), [
    HEADER,
    `${prefix(1)},1,buy,9682.01,1`,
  ]);
  assert.deepEqual(out.rows.getColumn("pq").toArray(), [[968201, 968201]]);
  assert.throws(
    () => transformLines(withList(["price", "amount"]), [HEADER, `${prefix(1)},1,buy,9682,1`]),
    TypeError,
  );
});

Deno.test("transformTardisFile gives a clean file the rows the general path gives", async (t) => {
  // One row with an unknown symbol sends the same file through the general (per-row) path;
  // appended last, it leaves every other row's line number as it was.
  const withUnknownSymbol = (bytes: Uint8Array) => {
    const text = new TextDecoder().decode(bytes).trimEnd();
    const fields = text.slice(text.lastIndexOf("\n") + 1).split(",");
    fields[1] = "NOT_A_SYMBOL";
    return new TextEncoder().encode(`${text}\n${fields.join(",")}\n`);
  };
  const l2Dim = deribitPerpetualDim();
  const cases = [
    {
      spec: TRADES,
      path: "trades/tardis_trades.csv",
      exchange: "binance-futures",
      date: "2020-02-22",
      dim: BINANCE_FUTURES_DIM,
    },
    {
      spec: QUOTES,
      path: "quotes/tardis_quotes.csv",
      exchange: "binance-futures",
      date: "2020-02-22",
      dim: BINANCE_FUTURES_DIM,
    },
    {
      spec: BOOK_SNAPSHOT_25,
      path: "book_snapshot_25/binance-futures_book_snapshot_25_BTCUSDT.csv",
      exchange: "binance-futures",
      date: "2020-09-01",
      dim: BINANCE_FUTURES_DIM,
    },
    {
      spec: L2_UPDATES,
      path: "incremental_book_L2/deribit_incremental_book_L2_BTC-PERPETUAL.csv",
      exchange: "deribit",
      date: "2020-04-01",
      dim: l2Dim,
    },
  ];
  for (const { spec, path, ...ctx } of cases) {
    await t.step(spec.name, () => {
      const bytes = read(path);
      const clean = transformTardisFile(spec, bytes, { fileId: 5, ...ctx });
      const general = transformTardisFile(spec, withUnknownSymbol(bytes), { fileId: 5, ...ctx });
      assert.equal(clean.quarantined.height, 0);
      assert.deepEqual(general.quarantined.getColumn("rule").toArray(), ["symbol_resolved"]);
      assert.ok(clean.rows.height > 0);
      assert.deepEqual(clean.rows.schema, general.rows.schema);
      assert.ok(clean.rows.frameEqual(general.rows, true), `${spec.name} rows differ`);
    });
  }
});

Deno.test("transformTardisFile sorts a clean out-of-order file and keeps a 64-bit symbol_id", () => {
  const id = "-9007199254740993"; // not a JS safe integer, and negative
  const dim = BINANCE_FUTURES_DIM.withColumns(pl.lit(id).cast(pl.Int64).alias("symbol_id"));
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(50)},1,buy,9682,1`,
    `${prefix(40)},2,sell,9682.5,1`,
    `binance-futures,BTCUSDT,,${DAY_US + 140},3,unknown,9683,2`, // no exchange time
  ], { dim });
  assert.equal(out.quarantined.height, 0);
  assert.deepEqual(out.rows.getColumn("trade_id").toArray(), ["2", "3", "1"]);
  assert.deepEqual(out.rows.getColumn("side").toArray(), [1, 2, 0]);
  assert.deepEqual(out.rows.getColumn("ts_exch_us").toArray(), [
    DAY_US + 40,
    DAY_US + 140,
    DAY_US + 50,
  ]);
  const ids = out.rows.select(pl.col("symbol_id").cast(pl.String)).getColumn("symbol_id");
  assert.deepEqual(ids.toArray(), [id, id, id]);
  assert.ok(out.rows.getColumn("symbol_id").dtype.equals(pl.Int64));
});

Deno.test("transformTardisFile quarantines a price or amount whose count does not fit in Int64", () => {
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(1)},1,buy,9682,1`,
    `${prefix(2)},2,buy,1e300,1`,
    `${prefix(3)},3,buy,9682,1e17`,
    `${prefix(4)},4,buy,92233720368547758.07,1`,
    `${prefix(5)},5,buy,9682,1`,
    `${prefix(6)},6,buy,1e-300,1`,
  ]);
  // 1e17 / 0.001 = 1e20 and 92233720368547758.07 / 0.01 = 2^63 are past Int64, and 1e-300 would
  // be a count of 0; the rest lands.
  assert.deepEqual(rulesByLine(out), {
    3: "price_in_range",
    4: "amount_in_range",
    5: "price_in_range",
    7: "price_in_range",
  });
  assert.match(out.quarantined.getColumn("detail").get(0), /price=1e\+300 price_increment=0\.01/);
  assert.match(out.quarantined.getColumn("detail").get(3), /price=1e-300 price_increment=0\.01/);
  assert.deepEqual(out.rows.getColumn("file_line_number").toArray(), [2, 6]);
  assert.deepEqual(out.rows.getColumn("px_int").toArray(), [968200, 968200]);
  // Just inside: 2^62 counts are kept exactly as far as a float64 holds them.
  const inside = transformLines(TRADES, [HEADER, `${prefix(1)},1,buy,46116860184273879.04,1`]);
  assert.equal(inside.quarantined.height, 0);
  assert.equal(inside.rows.height, 1);
});

Deno.test("book_snapshot_25 quarantines a level whose count does not fit in Int64", () => {
  const levels = (price: string) =>
    Array.from({ length: 25 }, (_, i) => i === 0 ? `${price},1,100,1` : ",,,").join(",");
  const header = "exchange,symbol,timestamp,local_timestamp," +
    Array.from(
      { length: 25 },
      (_, i) => `asks[${i}].price,asks[${i}].amount,bids[${i}].price,bids[${i}].amount`,
    ).join(",");
  const out = transformLines(BOOK_SNAPSHOT_25, [
    header,
    `${prefix(1)},${levels("100.01")}`,
    `${prefix(2)},${levels("1e300")}`,
  ]);
  assert.deepEqual(rulesByLine(out), { 3: "asks[0].price_in_range" });
  assert.equal(out.rows.height, 1);
});

Deno.test("transformTardisFile quarantines timestamps past year 9999 without a Polars panic", async () => {
  // Run in a child process: a Polars panic prints a Rust backtrace on stderr even when the
  // error is caught, and stderr is what the user sees.
  const script = `
    import { TRADES } from "${new URL("../../src/domain/trades.ts", import.meta.url)}";
    import { transformLines, prefix, rulesByLine } from "${new URL(
    "./_event_helpers.ts",
    import.meta.url,
  )}";
    const out = transformLines(TRADES, [
      "${HEADER}",
      \`\${prefix(1)},1,buy,9682,1\`,
      "binance-futures,BTCUSDT,9000000000000000000,9000000000000000000,2,buy,9682,1",
      "binance-futures,BTCUSDT,-9000000000000000000,-9000000000000000000,3,buy,9682,1",
      "binance-futures,BTCUSDT,9000000000000000000,1582329600000005,4,buy,9682,1",
      "binance-futures,BTCUSDT,,253402300800000000,5,buy,9682,1",
      \`\${prefix(6)},6,buy,9682,1\`,
    ]);
    console.log(JSON.stringify({ rules: rulesByLine(out), rows: out.rows.height }));
  `;
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    cwd: new URL("../..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, stderr);
  assert.doesNotMatch(stderr, /panicked|backtrace|out-of-range/);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(child.stdout)), {
    rules: {
      3: "timestamps_in_range",
      4: "timestamps_positive",
      5: "timestamps_in_range",
      6: "timestamps_in_range",
    },
    rows: 2,
  });
});

Deno.test("transformTardisFile quarantines a malformed line as parse_error with its line number", () => {
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(1)},1,buy,9682,1`,
    "garbage line with no commas",
    "   ",
    "<html>oops</html>",
    "nonsense",
    "x;y;z,1",
    `${prefix(2)},2,buy,9682,1`,
  ]);
  assert.deepEqual(rulesByLine(out), {
    3: "parse_error",
    4: "parse_error",
    5: "parse_error",
    6: "parse_error",
    7: "parse_error",
  });
  assert.equal(
    out.quarantined.getColumn("detail").get(0),
    "malformed line: exchange=garbage line with no commas symbol=null local_timestamp=null",
  );
  assert.equal(out.quarantined.getColumn("raw").get(0), "garbage line with no commas,,,,,,,");
  assert.deepEqual(out.rows.getColumn("file_line_number").toArray(), [2, 8]);
  assert.equal(out.rowsRead, 7);
});

Deno.test("transformTardisFile fails a file with one row of another exchange, in any place", () => {
  // The rule has no majority vote: a row of another exchange (an exchange name, a symbol and
  // a local_timestamp) means the file is misfiled, also beside garbage lines.
  for (const other of [1, 3]) {
    const lines = [HEADER, `${prefix(1)},1,buy,9682,1`, "garbage", `${prefix(2)},2,buy,9682,1`];
    lines.splice(other + 1, 0, `deribit,BTC-PERPETUAL,${DAY_US + 5},${DAY_US + 6},9,buy,9682,1`);
    assert.throws(() => transformLines(TRADES, lines), (err: unknown) => {
      assert.ok(err instanceof ExchangeMismatchError);
      assert.equal(err.line, other + 2);
      assert.equal(err.found, "deribit");
      return true;
    });
  }
  // Every row of another exchange: the misfiled file fails as a whole.
  const misfiled = [1, 2, 3].map((i) =>
    `deribit,BTC-PERPETUAL,${DAY_US + i},${DAY_US + i + 9},${i},buy,1,1`
  );
  assert.throws(() => transformLines(TRADES, [HEADER, ...misfiled]), ExchangeMismatchError);
});
