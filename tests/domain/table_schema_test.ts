import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  conformToSchema,
  emptyFrame,
  polarsType,
  type TableSchema,
  TableSchemaError,
} from "../../src/domain/table_schema.ts";

const SCHEMA: TableSchema = {
  name: "example",
  columns: [
    { name: "id", type: "int64", nullable: false, doc: "row id" },
    { name: "levels", type: { list: "int64" }, nullable: true, doc: "book levels" },
    { name: "day", type: "date", nullable: true, doc: "calendar day" },
    { name: "label", type: "utf8", nullable: true, doc: "free text" },
  ],
  partitionBy: [],
  sortBy: ["id"],
};

Deno.test("conformToSchema widens Int32 to Int64 and orders columns as the schema", () => {
  const df = pl.DataFrame({
    label: ["a", "b"],
    id: pl.Series("id", [1, 2], pl.Int32),
    levels: [[1], [2, 3]],
    day: [null, null],
  }).withColumns(pl.col("levels").cast(pl.List(pl.Int16)));
  const out = conformToSchema(df, SCHEMA);
  assert.deepEqual(out.columns, ["id", "levels", "day", "label"]);
  assert.ok(out.getColumn("id").dtype.equals(pl.Int64));
  assert.ok(out.getColumn("levels").dtype.equals(pl.List(pl.Int64)));
  assert.ok(out.getColumn("day").dtype.equals(pl.Date));
  assert.deepEqual(out.getColumn("id").toArray(), [1, 2]);
});

Deno.test("conformToSchema accepts whole JS numbers for integer columns", () => {
  const df = pl.DataFrame({ id: [1, 2, 3], levels: [null, null, null], day: [null, null, null] })
    .withColumn(pl.lit(null).cast(pl.Utf8).alias("label"));
  const out = conformToSchema(df, SCHEMA);
  assert.ok(out.getColumn("id").dtype.equals(pl.Int64));
});

Deno.test("conformToSchema rejects a fractional value in an integer column, naming it", () => {
  const df = pl.DataFrame({ id: [1.5], levels: [null], day: [null], label: ["x"] });
  assert.throws(() => conformToSchema(df, SCHEMA), (e: unknown) => {
    assert.ok(e instanceof TableSchemaError);
    assert.deepEqual(e.columns, ["id"]);
    assert.match(e.message, /"id" is Float64, expected Int64/);
    return true;
  });
});

Deno.test("conformToSchema reports missing, extra and null-violating columns together", () => {
  const df = pl.DataFrame({ id: pl.Series("id", [1, null], pl.Int64), extra: [1, 2] });
  assert.throws(() => conformToSchema(df, SCHEMA), (e: unknown) => {
    assert.ok(e instanceof TableSchemaError);
    assert.deepEqual(new Set(e.columns), new Set(["extra", "id", "levels", "day", "label"]));
    assert.match(e.message, /"extra" is not a column of example/);
    assert.match(e.message, /"id" has 1 null value\(s\) but is not nullable/);
    return true;
  });
});

Deno.test("conformToSchema refuses a lossy Float64 to Int32 narrowing of a list", () => {
  const schema: TableSchema = {
    name: "lists",
    columns: [{ name: "l", type: { list: "int32" }, nullable: true, doc: "" }],
    partitionBy: [],
    sortBy: [],
  };
  const df = pl.DataFrame({ l: [[1.5], [2]] });
  assert.throws(() => conformToSchema(df, schema), TableSchemaError);
});

Deno.test("emptyFrame has every column with its declared type and no rows", () => {
  const out = emptyFrame(SCHEMA);
  assert.equal(out.height, 0);
  assert.deepEqual(out.columns, ["id", "levels", "day", "label"]);
  for (const col of SCHEMA.columns) {
    assert.ok(out.getColumn(col.name).dtype.equals(polarsType(col.type)), col.name);
  }
});
