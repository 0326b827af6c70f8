import assert from "node:assert/strict";
import { LIQUIDATIONS } from "../../src/domain/liquidations.ts";
import { prefix, rulesByLine, transformLines } from "./_event_helpers.ts";

const HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount";
const OK = `${prefix(1)},liq-1,sell,9682,0.5`;

Deno.test("liquidations row rules: a failing and a passing row each", async (t) => {
  const cases: [string, string][] = [
    ["price_positive", `${prefix(2)},liq-2,buy,-3,0.5`],
    ["amount_positive", `${prefix(2)},liq-2,buy,9682,-1`],
    ["side_known", `${prefix(2)},liq-2,,9682,0.5`],
  ];
  for (const [rule, line] of cases) {
    await t.step(rule, () => {
      const out = transformLines(LIQUIDATIONS, [HEADER, OK, line]);
      assert.deepEqual(rulesByLine(out), { 3: rule });
      assert.equal(out.rows.height, 1);
    });
  }
});

Deno.test("liquidations keep the vendor id as liq_id and encode price and amount", () => {
  const out = transformLines(LIQUIDATIONS, [HEADER, OK]);
  const row = out.rows.toRecords()[0];
  assert.deepEqual([row.liq_id, row.side, row.px_int, row.qty_int], ["liq-1", 1, 968200, 500]);
});
