import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { int64Series } from "../../src/domain/int64.ts";
import { exactRecords } from "../../src/research/exact_records.ts";
import { loadTrades } from "../../src/research/load_events.ts";
import { IDS, us, writeSmallLake } from "./_small_lake.ts";

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

Deno.test("exactRecords keeps Int64 extremes, negative ids and microseconds exact", () => {
  const df = pl.DataFrame({
    id: int64Series("id", [MIN, -3012303369023998542n, MAX, null]),
    t: int64Series("t", [1722427200123457n, 0n, -1n, null]).cast(pl.Datetime("us", "UTC")),
    ms: int64Series("ms", [1722427200123n, 0n, 1n, 2n]).cast(pl.Datetime("ms")),
    name: ["a", "b", "c", null],
  });
  const rows = exactRecords(df);
  assert.deepEqual(rows.map((r) => r.id), [MIN, -3012303369023998542n, MAX, null]);
  assert.deepEqual(rows.map((r) => r.t), [1722427200123457n, 0n, -1n, null]);
  assert.deepEqual(rows.map((r) => r.ms), [1722427200123000n, 0n, 1000n, 2000n]);
  assert.deepEqual(rows.map((r) => r.name), ["a", "b", "c", null]);
  // What the plain calls give, for contrast (the reason this helper exists):
  assert.notEqual(String(df.toRecords()[1].id), "-3012303369023998542");
  assert.deepEqual(exactRecords(df, { limit: 1 }).length, 1);
  assert.throws(
    () => exactRecords(df, { rows: 1 } as never),
    /Unknown option "rows" of exactRecords/,
  );
});

Deno.test("exactRecords of loaded trades round-trips ids and times into a new load", async () => {
  const { root } = await writeSmallLake();
  const range = { root, exchange: "binance", start: "2024-05-01", end: "2024-05-02" };
  const trades = await loadTrades({ ...range, symbolId: IDS.btcV2 });
  const [first] = exactRecords(trades);
  assert.equal(first.symbol_id, IDS.btcV2);
  assert.equal(first.ts_local_us, us("2024-05-01T12:00:00Z"));
  const again = await loadTrades({
    ...range,
    symbolId: first.symbol_id as bigint,
    start: first.ts_local_us as bigint,
  });
  assert.equal(again.height, trades.height);
});
