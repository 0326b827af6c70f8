import assert from "node:assert/strict";
import { lakeRoot, TABLE_PATHS, tablePath } from "../src/config.ts";

Deno.test("tablePath joins the lake root and the registered relative path", () => {
  assert.equal(tablePath("dim_symbol", "/data/lake/"), "/data/lake/silver/dim_symbol");
  assert.equal(tablePath("ingest_manifest", "lake"), "lake/silver/ingest_manifest");
});

Deno.test("TABLE_PATHS registers every silver table of domain.md", () => {
  for (
    const name of [
      "dim_symbol",
      "ingest_manifest",
      "trades",
      "quotes",
      "book_snapshot_25",
      "derivative_ticker",
      "liquidations",
      "l2_updates",
    ]
  ) {
    assert.equal(TABLE_PATHS[name as keyof typeof TABLE_PATHS], `silver/${name}`);
  }
});

Deno.test("lakeRoot reads LAKE_ROOT and falls back to ./lake", () => {
  const before = Deno.env.get("LAKE_ROOT");
  try {
    Deno.env.set("LAKE_ROOT", "/tmp/some-lake/");
    assert.equal(lakeRoot(), "/tmp/some-lake");
    Deno.env.delete("LAKE_ROOT");
    assert.equal(lakeRoot(), "./lake");
  } finally {
    if (before === undefined) Deno.env.delete("LAKE_ROOT");
    else Deno.env.set("LAKE_ROOT", before);
  }
});
