import assert from "node:assert/strict";
import { DERIVATIVE_TICKER } from "../../src/domain/derivative_ticker.ts";
import { prefix, rulesByLine, transformLines } from "./_event_helpers.ts";

const HEADER = "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate," +
  "predicted_funding_rate,open_interest,last_price,index_price,mark_price";
const OK = `${prefix(1)},1582358400000000,-0.0001,0.00012,51234.5,9682.1,9681.87,9681.95`;

Deno.test("derivative_ticker row rules: a failing and a passing row each", async (t) => {
  const cases: [string, string][] = [
    ["mark_price_positive", `${prefix(2)},,,,,,,0`],
    ["index_price_positive", `${prefix(2)},,,,,,-1,`],
    ["last_price_positive", `${prefix(2)},,,,,0,,`],
    ["open_interest_non_negative", `${prefix(2)},,,,-5,,,`],
  ];
  for (const [rule, line] of cases) {
    await t.step(rule, () => {
      const out = transformLines(DERIVATIVE_TICKER, [HEADER, OK, line]);
      assert.deepEqual(rulesByLine(out), { 3: rule });
      assert.equal(out.rows.height, 1);
    });
  }
});

Deno.test("derivative_ticker keeps floats as floats and empty cells as nulls", () => {
  const out = transformLines(DERIVATIVE_TICKER, [HEADER, OK, `${prefix(2)},,,,,,,`]);
  assert.equal(out.quarantined.height, 0);
  const [full, empty] = out.rows.toRecords();
  assert.deepEqual(
    [
      full.funding_ts_us,
      full.funding_rate,
      full.predicted_funding_rate,
      full.open_interest,
      full.last_px,
      full.index_px,
      full.mark_px,
    ],
    [1582358400000000, -0.0001, 0.00012, 51234.5, 9682.1, 9681.87, 9681.95],
  );
  assert.deepEqual(
    [empty.funding_ts_us, empty.funding_rate, empty.mark_px, empty.open_interest],
    [null, null, null, null],
  );
});
