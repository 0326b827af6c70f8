import assert from "node:assert/strict";
import { QUOTES } from "../../src/domain/quotes.ts";
import { prefix, rulesByLine, transformLines } from "./_event_helpers.ts";

const HEADER =
  "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount";
const OK = `${prefix(1)},0.84,9682,9681.92,0.67`;

Deno.test("quotes row rules: a failing and a passing row each", async (t) => {
  const cases: [string, string][] = [
    ["quote_has_side", `${prefix(2)},,,,`],
    ["bid_side_valid", `${prefix(2)},0.84,9682,0,0.67`],
    ["bid_side_valid", `${prefix(2)},0.84,9682,9681.92,`],
    ["ask_side_valid", `${prefix(2)},0,9682,9681.92,0.67`],
    ["ask_side_valid", `${prefix(2)},0.84,-9682,,`],
    ["bid_below_ask", `${prefix(2)},0.84,9682,9682,0.67`],
    ["bid_below_ask", `${prefix(2)},0.84,9681,9682,0.67`],
  ];
  for (const [rule, line] of cases) {
    await t.step(`${rule}: ${line.split(",").slice(4).join(",")}`, () => {
      const out = transformLines(QUOTES, [HEADER, OK, line]);
      assert.deepEqual(rulesByLine(out), { 3: rule });
      assert.equal(out.rows.height, 1);
    });
  }
});

Deno.test("quotes with one side empty pass and keep the other side null", () => {
  const out = transformLines(QUOTES, [
    HEADER,
    `${prefix(1)},,,9681.92,0.67`,
    `${prefix(2)},0.84,9682,,`,
  ]);
  assert.equal(out.quarantined.height, 0);
  const rows = out.rows.toRecords();
  assert.deepEqual(
    rows.map((r) => [r.bid_px_int, r.bid_qty_int, r.ask_px_int, r.ask_qty_int]),
    [[968192, 670, null, null], [null, null, 968200, 840]],
  );
});
