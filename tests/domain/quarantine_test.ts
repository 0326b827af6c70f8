import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  dateLiteral,
  fileIdLiteral,
  QUARANTINE_SCHEMA,
  toQuarantineRows,
} from "../../src/domain/quarantine.ts";

Deno.test("toQuarantineRows stamps the source file and sorts by line", () => {
  const rejected = pl.DataFrame({
    file_line_number: pl.Series("file_line_number", [9, 4], pl.Int64),
    rule: ["price_positive", "parse_error"],
    detail: ["price=-1.0", '"amount" is not float64'],
  });
  const q = toQuarantineRows(rejected, {
    fileId: 5n,
    dataType: "trades",
    exchange: "binance",
    date: "2020-02-22",
  });
  assert.deepEqual(q.columns, QUARANTINE_SCHEMA.columns.map((c) => c.name));
  assert.deepEqual(q.getColumn("file_line_number").toArray(), [4, 9]);
  assert.deepEqual(q.getColumn("rule").toArray(), ["parse_error", "price_positive"]);
  assert.deepEqual(q.getColumn("file_id").toArray(), [5, 5]);
  assert.deepEqual(q.getColumn("raw").toArray(), [null, null]);
  assert.equal(q.select(pl.col("date").cast(pl.String)).getColumn("date").get(0), "2020-02-22");
});

Deno.test("dateLiteral and fileIdLiteral reject malformed values", () => {
  for (const bad of ["2020-02-30", "2020-13-01", "20200222", ""]) {
    assert.throws(() => dateLiteral(bad), RangeError, bad);
  }
  for (const bad of [-1, 1.5, 2n ** 60n]) {
    assert.throws(() => fileIdLiteral(bad), RangeError, String(bad));
  }
});
