import assert from "node:assert/strict";
import { EVENT_TABLES, eventTableFor } from "../../src/domain/event_tables.ts";
import { TABLE_PATHS } from "../../src/config.ts";

Deno.test("EVENT_TABLES maps the six Tardis data types to their tables", () => {
  const names = Object.fromEntries(
    Object.entries(EVENT_TABLES).map(([dataType, spec]) => [dataType, spec.name]),
  );
  assert.deepEqual(names, {
    trades: "trades",
    quotes: "quotes",
    book_snapshot_25: "book_snapshot_25",
    derivative_ticker: "derivative_ticker",
    liquidations: "liquidations",
    incremental_book_L2: "l2_updates",
  });
  for (const spec of Object.values(EVENT_TABLES)) {
    assert.ok(spec.name in TABLE_PATHS, `${spec.name} has a table path`);
    assert.equal(spec.schema.name, spec.name);
    const ruleNames = spec.rules.map((r) => r.name);
    assert.equal(new Set(ruleNames).size, ruleNames.length, `${spec.name} rule names are unique`);
  }
});

Deno.test("eventTableFor rejects an unregistered data type, including prototype keys", () => {
  assert.equal(eventTableFor("incremental_book_L2").name, "l2_updates");
  assert.throws(() => eventTableFor("book_ticker"), /No event table for Tardis data type/);
  assert.throws(() => eventTableFor("toString"), RangeError);
});
