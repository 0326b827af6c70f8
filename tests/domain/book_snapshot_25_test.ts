import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { BOOK_LEVELS, BOOK_SNAPSHOT_25 } from "../../src/domain/book_snapshot_25.ts";
import { transformTardisFile } from "../../src/domain/event_table.ts";
import { parseTardisCsv } from "../../src/domain/tardis_csv.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";
import { BINANCE_FUTURES_DIM, prefix, rulesByLine, transformLines } from "./_event_helpers.ts";

type Level = [price: number | "", amount: number | ""];

const HEADER = "exchange,symbol,timestamp,local_timestamp," +
  Array.from(
    { length: BOOK_LEVELS },
    (_, i) => `asks[${i}].price,asks[${i}].amount,bids[${i}].price,bids[${i}].amount`,
  ).join(",");

/** A book line; missing levels are empty cells. */
function book(offset: number, bids: Level[], asks: Level[]): string {
  const cells: string[] = [];
  for (let i = 0; i < BOOK_LEVELS; i++) {
    const ask = asks[i] ?? ["", ""];
    const bid = bids[i] ?? ["", ""];
    cells.push(`${ask[0]},${ask[1]},${bid[0]},${bid[1]}`);
  }
  return `${prefix(offset)},${cells.join(",")}`;
}

const OK = book(1, [[100, 1], [99.99, 2]], [[100.01, 3], [100.02, 4]]);

Deno.test("book_snapshot_25 row rules: a failing and a passing row each", async (t) => {
  const cases: [string, string][] = [
    ["levels_paired", book(2, [[100, ""]], [[100.01, 1]])],
    ["book_prices_positive", book(2, [[100, 1], [-1, 1]], [[100.01, 1]])],
    ["book_amounts_non_negative", book(2, [[100, 1]], [[100.01, -1]])],
    ["bids_descending", book(2, [[100, 1], [100.5, 1]], [[100.51, 1]])],
    ["bids_descending", book(2, [[100, 1], ["", ""], [99, 1]], [[100.01, 1]])],
    ["asks_ascending", book(2, [[100, 1]], [[100.02, 1], [100.01, 1]])],
    ["asks_ascending", book(2, [[100, 1]], [[100.01, 1], [100.01, 1]])],
    ["best_bid_below_best_ask", book(2, [[100.01, 1]], [[100.01, 1]])],
  ];
  for (const [rule, line] of cases) {
    await t.step(rule, () => {
      const out = transformLines(BOOK_SNAPSHOT_25, [HEADER, OK, line]);
      assert.deepEqual(rulesByLine(out), { 3: rule });
      assert.equal(out.rows.height, 1);
    });
  }
});

Deno.test("book_snapshot_25 stores 25-level lists with nulls for missing levels", () => {
  const out = transformLines(BOOK_SNAPSHOT_25, [HEADER, OK, book(2, [], [[100.01, 0]])]);
  assert.equal(out.quarantined.height, 0);
  const [full, askOnly] = out.rows.toRecords() as unknown as Record<string, (number | null)[]>[];
  const nulls = (n: number) => new Array(n).fill(null);
  assert.deepEqual(full.bids_px_int, [10000, 9999, ...nulls(23)]);
  assert.deepEqual(full.bids_qty_int, [1000, 2000, ...nulls(23)]);
  assert.deepEqual(full.asks_px_int, [10001, 10002, ...nulls(23)]);
  assert.deepEqual(full.asks_qty_int, [3000, 4000, ...nulls(23)]);
  assert.deepEqual(askOnly.bids_px_int, nulls(25));
  assert.deepEqual(askOnly.asks_qty_int, [0, ...nulls(24)]);
});

Deno.test("book_snapshot_25 lists hold each row's own levels in level order (real sample)", () => {
  const path = `${TARDIS_FIXTURES}/book_snapshot_25/binance-futures_book_snapshot_25_BTCUSDT.csv`;
  const bytes = Deno.readFileSync(path);
  const parsed = parseTardisCsv(bytes, BOOK_SNAPSHOT_25.csvColumns).rows.toRecords();
  const out = transformTardisFile(BOOK_SNAPSHOT_25, bytes, {
    fileId: 1,
    exchange: "binance-futures",
    date: "2020-09-01",
    dim: BINANCE_FUTURES_DIM,
  });
  const rows = out.rows.sort("file_line_number").toRecords() as unknown as Record<
    string,
    number[]
  >[];
  assert.equal(rows.length, parsed.length);
  parsed.forEach((vendor, r) => {
    for (const side of ["bids", "asks"] as const) {
      const px = Array.from(
        { length: BOOK_LEVELS },
        (_, i) => Math.round((vendor[`${side}[${i}].price`] as number) * 100),
      );
      const qty = Array.from(
        { length: BOOK_LEVELS },
        (_, i) => Math.round((vendor[`${side}[${i}].amount`] as number) * 1000),
      );
      assert.deepEqual(rows[r][`${side}_px_int`], px, `row ${r} ${side} prices`);
      assert.deepEqual(rows[r][`${side}_qty_int`], qty, `row ${r} ${side} amounts`);
    }
  });
});

Deno.test("book_snapshot_25 returns typed empty lists when no row survives", () => {
  const out = transformLines(BOOK_SNAPSHOT_25, [HEADER, book(2, [[100.01, 1]], [[100.01, 1]])]);
  assert.equal(out.rows.height, 0);
  assert.equal(out.quarantined.height, 1);
  assert.ok(out.rows.getColumn("bids_px_int").dtype.equals(pl.List(pl.Int64)));
});

Deno.test("book_snapshot_25 quarantines off-grid levels under the first off-grid field", () => {
  const out = transformLines(BOOK_SNAPSHOT_25, [
    HEADER,
    OK,
    book(2, [[100, 1], [99.99, 2], [99.985, 1]], [[100.01, 3]]), // bid level 2 price
    book(3, [[100, 1], [99.99, 2.0005]], [[100.015, 3]]), // bid level 1 amount, then an ask
    book(4, [[100, 1]], [[100.01, 3], [100.02, 4], [100.03, 5.0001]]), // ask level 2 amount
    book(5, [[100, 1], [99.98, 7]], [[100.02, 8]]),
  ]);
  assert.deepEqual(rulesByLine(out), {
    3: "bids[2].price_on_grid",
    4: "bids[1].amount_on_grid",
    5: "asks[2].amount_on_grid",
  });
  const details = out.quarantined.getColumn("detail").toArray() as string[];
  assert.equal(details[0], "bids[2].price=99.985 price_increment=0.01");
  const rows = out.rows.sort("file_line_number").toRecords() as unknown as Record<
    string,
    (number | null)[]
  >[];
  assert.deepEqual(rows.map((r) => r.bids_px_int.slice(0, 3)), [
    [10000, 9999, null],
    [10000, 9998, null],
  ]);
  assert.deepEqual(rows.map((r) => r.asks_qty_int.slice(0, 2)), [[3000, 4000], [8000, null]]);
});
