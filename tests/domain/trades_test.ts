import assert from "node:assert/strict";
import { TRADE_SIDE_CODES, TRADES } from "../../src/domain/trades.ts";
import { prefix, rulesByLine, transformLines } from "./_event_helpers.ts";

const HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount";
const OK = `${prefix(1)},1,buy,9682,0.5`;

Deno.test("trades row rules: a failing and a passing row each", async (t) => {
  const cases: [string, string][] = [
    ["price_positive", `${prefix(2)},2,buy,0,0.5`],
    ["price_positive", `${prefix(2)},2,buy,,0.5`],
    ["amount_positive", `${prefix(2)},2,sell,9682,0`],
    ["side_known", `${prefix(2)},2,taker,9682,0.5`],
  ];
  for (const [rule, line] of cases) {
    await t.step(rule, () => {
      const out = transformLines(TRADES, [HEADER, OK, line]);
      assert.deepEqual(rulesByLine(out), { 3: rule });
      assert.equal(out.rows.height, 1);
    });
  }
});

Deno.test("trades encode the taker side as 0 buy, 1 sell, 2 unknown and keep empty ids null", () => {
  const out = transformLines(TRADES, [
    HEADER,
    `${prefix(1)},a,buy,9682,0.5`,
    `${prefix(2)},,sell,9682,0.5`,
    `${prefix(3)},c,unknown,9682,0.5`,
  ]);
  assert.deepEqual(out.rows.getColumn("side").toArray(), [
    TRADE_SIDE_CODES.buy,
    TRADE_SIDE_CODES.sell,
    TRADE_SIDE_CODES.unknown,
  ]);
  assert.deepEqual(out.rows.getColumn("trade_id").toArray(), ["a", null, "c"]);
  assert.deepEqual(out.rows.getColumn("qty_int").toArray(), [500, 500, 500]);
});

Deno.test("trades quarantine NaN and infinite prices and sizes instead of failing the file", () => {
  const out = transformLines(TRADES, [
    HEADER,
    OK,
    `${prefix(2)},2,buy,NaN,0.5`,
    `${prefix(3)},3,buy,inf,0.5`,
    `${prefix(4)},4,sell,9682,NaN`,
  ]);
  assert.deepEqual(rulesByLine(out), {
    3: "price_positive",
    4: "price_positive",
    5: "amount_positive",
  });
  assert.equal(out.rows.height, 1);
  assert.equal(out.rowsRead, 4);
});
