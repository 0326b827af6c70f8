import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { tableView } from "../../src/research/table_view.ts";

const df = pl.DataFrame({
  symbol_id: pl.Series("symbol_id", ["-3012303369023998542", "5415062835439997985"]).cast(pl.Int64),
  ts_local_us: pl.Series("ts_local_us", ["1722427199999999", "1722427200000000"]).cast(pl.Int64),
  date: pl.Series("date", ["1722427199999999", "1722427200000000"]).cast(pl.Int64)
    .cast(pl.Datetime("us")).cast(pl.Date),
  px: [66008.5, null],
});

Deno.test("tableView keeps 64-bit ids exact and renders dates as ISO text", () => {
  const view = tableView(df);
  assert.deepEqual(view.cells[0], [
    "-3012303369023998542",
    "1722427199999999",
    "2024-07-31",
    "66008.5",
  ]);
  assert.equal(view.cells[1][3], null);
  assert.deepEqual(view.dtypes.slice(0, 1), ["Int64"]);
});

Deno.test("tableView adds readable UTC times with microseconds next to *_us columns", () => {
  const view = tableView(df, { times: true });
  assert.deepEqual(view.columns.slice(0, 3), ["symbol_id", "ts_local_us", "ts_local_time"]);
  assert.equal(view.cells[0][2], "2024-07-31 11:59:59.999999");
});

Deno.test("tableView shows the first rows and says how many there are", () => {
  const view = tableView(df, { rows: 1 });
  assert.equal(view.cells.length, 1);
  const html = view.toHTML();
  assert.match(html, /2 rows × 4 columns, first 1 shown/);
  assert.match(html, /<td>-3012303369023998542<\/td>/);
  const bundle = (view as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
});

Deno.test("tableView escapes HTML in values", () => {
  const view = tableView(pl.DataFrame({ s: ["<b>&"] }));
  assert.match(view.toHTML(), /&lt;b&gt;&amp;/);
});
