import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { parseTardisCsv, readTardisHeader, TardisCsvError } from "../../src/domain/tardis_csv.ts";
import { TRADES } from "../../src/domain/trades.ts";
import { QUOTES } from "../../src/domain/quotes.ts";
import { BOOK_SNAPSHOT_25 } from "../../src/domain/book_snapshot_25.ts";
import { L2_UPDATES } from "../../src/domain/l2_updates.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const TRADES_HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount";
const LINES = [
  TRADES_HEADER,
  "binance-futures,BTCUSDT,1582329602111000,1582329602418379,42377944,buy,9682,0.132",
  "binance-futures,BTCUSDT,1582329602116000,1582329602418420,,sell,9681.99,0.412",
];

Deno.test("parseTardisCsv reads the real trades sample: 9,999 typed rows with line numbers", () => {
  const bytes = Deno.readFileSync(`${TARDIS_FIXTURES}/trades/tardis_trades.csv`);
  const { rows, rejected } = parseTardisCsv(bytes, TRADES.csvColumns, { dataType: "trades" });
  assert.equal(rows.height, 9_999);
  assert.equal(rejected.height, 0);
  assert.ok(rows.getColumn("local_timestamp").dtype.equals(pl.Int64));
  assert.ok(rows.getColumn("price").dtype.equals(pl.Float64));
  assert.ok(rows.getColumn("id").dtype.equals(pl.String));
  const first = rows.head(1).toRecords()[0];
  assert.equal(first.file_line_number, 2);
  assert.equal(first.local_timestamp, 1582329602418379);
  assert.equal(first.timestamp, 1582329602111000);
  assert.equal(first.id, "42377944");
  assert.equal(first.side, "buy");
  assert.equal(first.price, 9682);
  assert.equal(first.amount, 0.132);
  assert.equal(rows.getColumn("file_line_number").toArray().at(-1), 10_000);
  const sides = rows.getColumn("side").valueCounts().sort("side").toRecords();
  assert.deepEqual(sides.map((r) => [r.side, r.count]), [["buy", 5267], ["sell", 4732]]);
});

Deno.test("parseTardisCsv reads the real quotes, book_snapshot_25 and L2 samples", async (t) => {
  await t.step("quotes: 9,999 rows, first quote 9681.92 / 9682", () => {
    const bytes = Deno.readFileSync(`${TARDIS_FIXTURES}/quotes/tardis_quotes.csv`);
    const { rows } = parseTardisCsv(bytes, QUOTES.csvColumns);
    assert.equal(rows.height, 9_999);
    const first = rows.head(1).toRecords()[0];
    assert.equal(first.bid_price, 9681.92);
    assert.equal(first.bid_amount, 0.67);
    assert.equal(first.ask_price, 9682);
    assert.equal(first.ask_amount, 0.84);
    assert.equal(first.local_timestamp, 1582329603502092);
  });
  await t.step("book_snapshot_25: 10 rows of 4 + 100 columns", () => {
    const path = `${TARDIS_FIXTURES}/book_snapshot_25/binance-futures_book_snapshot_25_BTCUSDT.csv`;
    const { rows, header } = parseTardisCsv(Deno.readFileSync(path), BOOK_SNAPSHOT_25.csvColumns);
    assert.equal(rows.height, 10);
    assert.equal(header.length, 104);
    assert.equal(rows.width, 1 + 104);
    assert.equal(rows.getColumn("file_line_number").toArray().join(), "2,3,4,5,6,7,8,9,10,11");
    assert.ok(rows.getColumn("bids[24].amount").dtype.equals(pl.Float64));
  });
  await t.step("incremental_book_L2: 15 snapshot ask rows, is_snapshot Boolean", () => {
    const path =
      `${TARDIS_FIXTURES}/incremental_book_L2/deribit_incremental_book_L2_BTC-PERPETUAL.csv`;
    const { rows } = parseTardisCsv(Deno.readFileSync(path), L2_UPDATES.csvColumns);
    assert.equal(rows.height, 15);
    assert.ok(rows.getColumn("is_snapshot").dtype.equals(pl.Bool));
    assert.deepEqual(rows.getColumn("is_snapshot").toArray(), new Array(15).fill(true));
    assert.equal(rows.getColumn("price").toArray()[0], 6421.5);
    assert.equal(rows.getColumn("amount").toArray()[0], 18640);
  });
});

Deno.test("parseTardisCsv strips a UTF-8 BOM and CRLF line endings", () => {
  const plain = parseTardisCsv(enc(LINES.join("\n") + "\n"), TRADES.csvColumns).rows;
  const windows = parseTardisCsv(enc("\uFEFF" + LINES.join("\r\n") + "\r\n"), TRADES.csvColumns);
  assert.deepEqual(windows.header, TRADES_HEADER.split(","));
  assert.deepEqual(windows.rows.toRecords(), plain.toRecords());
  assert.equal(windows.rows.getColumn("amount").toArray()[1], 0.412);
});

Deno.test("parseTardisCsv reads empty cells as nulls", () => {
  const { rows } = parseTardisCsv(enc(LINES.join("\n")), TRADES.csvColumns);
  assert.deepEqual(rows.getColumn("id").toArray(), ["42377944", null]);
});

Deno.test("parseTardisCsv selects columns by header name, not position", () => {
  const reordered = [
    "price,amount,side,id,local_timestamp,timestamp,symbol,exchange,extra",
    "9682,0.132,buy,1,1582329602418379,1582329602111000,BTCUSDT,binance-futures,x",
  ];
  const { rows } = parseTardisCsv(enc(reordered.join("\n")), TRADES.csvColumns);
  assert.deepEqual(rows.columns, ["file_line_number", ...Object.keys(TRADES.csvColumns)]);
  assert.equal(rows.getColumn("price").toArray()[0], 9682);
  assert.equal(rows.getColumn("local_timestamp").toArray()[0], 1582329602418379);
});

Deno.test("parseTardisCsv returns zero typed rows for an empty buffer or a header only", () => {
  for (const text of ["", TRADES_HEADER + "\n", TRADES_HEADER]) {
    const { rows, rejected } = parseTardisCsv(enc(text), TRADES.csvColumns);
    assert.equal(rows.height, 0, JSON.stringify(text));
    assert.equal(rejected.height, 0);
    assert.ok(rows.getColumn("timestamp").dtype.equals(pl.Int64));
    assert.ok(rows.getColumn("file_line_number").dtype.equals(pl.Int64));
  }
});

Deno.test("parseTardisCsv rejects a header that lacks a required column", () => {
  const quotes =
    "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount";
  assert.throws(
    () => parseTardisCsv(enc(quotes + "\n"), TRADES.csvColumns, { dataType: "trades" }),
    (err: unknown) => {
      assert.ok(err instanceof TardisCsvError);
      assert.equal(err.name, "TardisCsvError");
      assert.deepEqual(err.columns, ["id", "side", "price", "amount"]);
      assert.match(err.message, /^Cannot parse "trades" file: header lacks "id", "side"/);
      return true;
    },
  );
});

Deno.test("parseTardisCsv rejects a header that repeats a required column", () => {
  assert.throws(
    () => parseTardisCsv(enc(TRADES_HEADER + ",price\n"), TRADES.csvColumns),
    (err: unknown) => err instanceof TardisCsvError && /repeats "price"/.test(err.message),
  );
});

Deno.test("parseTardisCsv rejects only the rows whose cells are not of their type", () => {
  const text = [...LINES, "binance-futures,BTCUSDT,1582329602116000,oops,1,buy,9682,abc"].join(
    "\n",
  );
  const { rows, rejected } = parseTardisCsv(enc(text), TRADES.csvColumns);
  assert.equal(rows.height, 2);
  assert.deepEqual(rows.getColumn("file_line_number").toArray(), [2, 3]);
  const bad = rejected.toRecords()[0];
  assert.equal(bad.file_line_number, 4);
  assert.equal(bad.rule, "parse_error");
  assert.equal(bad.detail, '"local_timestamp" is not int64; "amount" is not float64');
  assert.equal(bad.raw, "binance-futures,BTCUSDT,1582329602116000,oops,1,buy,9682,abc");
});

Deno.test("parseTardisCsv keeps physical line numbers across a blank line", () => {
  const text = [LINES[0], LINES[1], "", LINES[2]].join("\n");
  const { rows } = parseTardisCsv(enc(text), TRADES.csvColumns);
  assert.deepEqual(rows.getColumn("file_line_number").toArray(), [2, 3, 4]);
  assert.equal(rows.getColumn("exchange").toArray()[1], null);
  assert.equal(rows.getColumn("price").toArray()[2], 9681.99);
});

Deno.test("readTardisHeader strips the BOM and CR and returns [] for an empty file", () => {
  assert.deepEqual(readTardisHeader(enc("\uFEFFa,b\r\n1,2")), ["a", "b"]);
  assert.deepEqual(readTardisHeader(enc("")), []);
});

Deno.test("parseTardisCsv rejects only the rows holding bytes that are not UTF-8", () => {
  const row = "binance-futures,BTCUSDT,1,2,7,buy,9682,1";
  const bytes = new Uint8Array([
    ...enc(`${TRADES_HEADER}\n${row}\n`),
    0xff,
    0xfe,
    ...enc(",BTCUSDT,1,2,8,buy,9682,1\nbinance-futures,BTCUSDT,1,2,caf"),
    0xe9, // Latin-1 "é" in the id
    ...enc(`,buy,9682,1\n${row}\n`),
  ]);
  const { rows, rejected } = parseTardisCsv(bytes, TRADES.csvColumns, { dataType: "trades" });
  assert.deepEqual(rows.getColumn("file_line_number").toArray(), [2, 5]);
  assert.deepEqual(rejected.select("file_line_number", "rule", "detail").toRecords(), [
    { file_line_number: 3, rule: "parse_error", detail: '"exchange" is not valid UTF-8' },
    { file_line_number: 4, rule: "parse_error", detail: '"id" is not valid UTF-8' },
  ]);
});

Deno.test("parseTardisCsv fails UTF-16 and bare-CR files with the reason", () => {
  const text = `${TRADES_HEADER}\nbinance-futures,BTCUSDT,1,2,7,buy,9682,1\n`;
  const utf16 = new Uint8Array([0xff, 0xfe, ...[...enc(text)].flatMap((b) => [b, 0])]);
  const cases: [Uint8Array, RegExp][] = [
    [utf16, /^Cannot parse "trades" file: it is UTF-16 \(byte-order mark FF FE\); expected UTF-8$/],
    [
      enc(text.replaceAll("\n", "\r")),
      /bare CR \(classic Mac line endings\); expected LF or CRLF$/,
    ],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => parseTardisCsv(bytes, TRADES.csvColumns, { dataType: "trades" }),
      (err: unknown) => err instanceof TardisCsvError && message.test(err.message),
    );
  }
  // A header that lacks a column is quoted, cut to 200 characters.
  const long = enc(`${"x".repeat(5000)}\n1\n`);
  assert.throws(
    () => parseTardisCsv(long, TRADES.csvColumns, { dataType: "trades" }),
    (err: unknown) =>
      err instanceof TardisCsvError && err.message.length < 400 &&
      err.message.endsWith('... (5000 characters)")'),
  );
});

Deno.test("parseTardisCsv rejects a line with an unbalanced quote and keeps the rest", () => {
  const row = "binance-futures,BTCUSDT,1,2,7,buy,9682,1";
  const text = [TRADES_HEADER, row, row.replace(",buy,", ',"buy,'), row, row].join("\n");
  const { rows, rejected } = parseTardisCsv(enc(text), TRADES.csvColumns, { dataType: "trades" });
  assert.deepEqual(rows.getColumn("file_line_number").toArray(), [2, 4, 5]);
  assert.deepEqual(rejected.select("file_line_number", "detail").toRecords(), [
    { file_line_number: 3, detail: '"side" holds a stray quote' },
  ]);
  // Balanced quotes are read as quotes.
  const quoted = row.split(",").map((c) => `"${c}"`).join(",");
  const ok = parseTardisCsv(enc(`${TRADES_HEADER}\n${quoted}\n`), TRADES.csvColumns);
  assert.equal(ok.rows.getColumn("side").get(0), "buy");
});

Deno.test("parseTardisCsv keeps physical line numbers when two stray quotes pair up across lines", () => {
  const row = "binance-futures,BTCUSDT,1,2,7,buy,9682,1";
  // Lines 3 and 5 each hold one quote: with quote handling they would read as one field
  // spanning lines 3-5, and every later row would get a line number two too low.
  const lines = [
    TRADES_HEADER,
    row,
    row.replace(",buy,", ',"buy,'),
    row,
    row.replace(",9682,", ',9682",'),
    row,
    "",
    row,
  ];
  for (const eol of ["\n", "\r\n"]) {
    for (const text of [lines.join(eol), lines.join(eol) + eol]) {
      const { rows, rejected } = parseTardisCsv(enc(text), TRADES.csvColumns, {
        dataType: "trades",
        firstLine: 12,
      });
      assert.deepEqual(rows.getColumn("file_line_number").toArray(), [12, 14, 16, 17, 18]);
      assert.deepEqual(rejected.select("file_line_number", "detail").toRecords(), [
        { file_line_number: 13, detail: '"side" holds a stray quote' },
        { file_line_number: 15, detail: '"price" holds a stray quote' },
      ]);
      // The blank line 17 is a row of nulls (quarantined later by the row rules).
      assert.equal(rows.filter(pl.col("file_line_number").eq(17)).getColumn("side").get(0), null);
    }
  }
});
