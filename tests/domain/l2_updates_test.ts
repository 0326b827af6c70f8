import assert from "node:assert/strict";
import { BOOK_SIDE_CODES, L2_UPDATES } from "../../src/domain/l2_updates.ts";
import { prefix, rulesByLine, transformLines } from "./_event_helpers.ts";

const HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount";
const OK = `${prefix(1)},false,bid,9681.92,0.5`;

Deno.test("l2_updates row rules: a failing and a passing row each", async (t) => {
  const cases: [string, string][] = [
    ["side_known", `${prefix(2)},false,buy,9681.92,0.5`],
    ["price_positive", `${prefix(2)},false,ask,0,0.5`],
    ["amount_non_negative", `${prefix(2)},false,ask,9682,-0.5`],
    ["is_snapshot_present", `${prefix(2)},,ask,9682,0.5`],
  ];
  for (const [rule, line] of cases) {
    await t.step(rule, () => {
      const out = transformLines(L2_UPDATES, [HEADER, OK, line]);
      assert.deepEqual(rulesByLine(out), { 3: rule });
      assert.equal(out.rows.height, 1);
    });
  }
});

Deno.test("l2_updates map bid/ask to 0/1, keep a zero amount (level delete) and is_snapshot", () => {
  const out = transformLines(L2_UPDATES, [
    HEADER,
    `${prefix(1)},true,bid,9681.92,0.5`,
    `${prefix(2)},false,ask,9682,0`,
  ]);
  assert.equal(out.quarantined.height, 0);
  const rows = out.rows.toRecords();
  assert.deepEqual(rows.map((r) => [r.side, r.px_int, r.qty_int, r.is_snapshot]), [
    [BOOK_SIDE_CODES.bid, 968192, 500, true],
    [BOOK_SIDE_CODES.ask, 968200, 0, false],
  ]);
});
