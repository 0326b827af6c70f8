import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { CorruptLogError, UnsupportedFeatureError } from "../../../src/io/delta/errors.ts";
import {
  BINARY_DTYPE,
  columnMappingMode,
  containsBinary,
  decimalParams,
  deltaToPolars,
  fieldId,
  isBinaryDtype,
  parseSchemaString,
  physicalName,
  physicalSchema,
  polarsToDelta,
  schemaFromPolars,
  schemaToJson,
  type StructType,
  typeChanges,
} from "../../../src/io/delta/schema.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";

const PRIMITIVES: [string, pl.DataType][] = [
  ["byte", pl.Int8],
  ["short", pl.Int16],
  ["integer", pl.Int32],
  ["long", pl.Int64],
  ["float", pl.Float32],
  ["double", pl.Float64],
  ["boolean", pl.Bool],
  ["string", pl.String],
  ["date", pl.Date],
  ["timestamp", pl.Datetime("us", "UTC")],
  ["timestamp_ntz", pl.Datetime("us", "")],
  ["decimal(10,2)", pl.Decimal(10, 2)],
  ["decimal(38,18)", pl.Decimal(38, 18)],
];

Deno.test("schema: primitive types", async (t) => {
  for (const [delta, polars] of PRIMITIVES) {
    await t.step(`${delta} maps to ${polars} and back`, () => {
      assert.ok(deltaToPolars(delta).equals(polars), String(deltaToPolars(delta)));
      assert.equal(polarsToDelta(polars), delta);
    });
  }
  await t.step("timestamp is UTC microseconds, timestamp_ntz has no time zone", () => {
    assert.deepEqual((deltaToPolars("timestamp") as unknown as { inner: unknown[] }).inner, [
      "us",
      "UTC",
    ]);
    const ntz = (deltaToPolars("timestamp_ntz") as unknown as { inner: unknown[] }).inner;
    assert.equal(ntz[0], "us");
    assert.ok(!ntz[1], "no time zone");
  });
  await t.step("binary maps to the Binary marker and back", () => {
    assert.ok(isBinaryDtype(deltaToPolars("binary")));
    assert.equal(polarsToDelta(BINARY_DTYPE), "binary");
    assert.equal(String(BINARY_DTYPE), "DataType(Binary)");
  });
  await t.step("void maps to Null", () => assert.ok(deltaToPolars("void").equals(pl.Null)));
  await t.step("any time zone and unit reads back as timestamp", () => {
    assert.equal(polarsToDelta(pl.Datetime("ms", "Europe/Paris")), "timestamp");
    assert.equal(polarsToDelta(pl.Datetime("ns")), "timestamp_ntz");
  });
  await t.step("unsigned integers widen to the next signed type", () => {
    assert.equal(polarsToDelta(pl.UInt8), "short");
    assert.equal(polarsToDelta(pl.UInt16), "integer");
    assert.equal(polarsToDelta(pl.UInt32), "long");
  });
  await t.step("unmappable Polars types are a TypeError", () => {
    assert.throws(() => polarsToDelta(pl.Time), TypeError);
    assert.throws(() => polarsToDelta(pl.Duration("us")), TypeError);
  });
  await t.step("variant and unknown types are UnsupportedFeatureError naming the feature", () => {
    assert.throws(
      () => deltaToPolars("variant"),
      (e) => e instanceof UnsupportedFeatureError && e.feature === "variantType",
    );
    assert.throws(
      () => deltaToPolars("geometry(OGC:CRS84)"),
      (e) => e instanceof UnsupportedFeatureError && e.feature === "type:geometry(OGC:CRS84)",
    );
  });
});

Deno.test("schema: decimal parameters", async (t) => {
  await t.step("bare decimal is decimal(10,0)", () => {
    assert.deepEqual(decimalParams("decimal"), { precision: 10, scale: 0 });
  });
  await t.step("spaces are allowed and names are normalised", () => {
    const s = parseSchemaString(
      '{"type":"struct","fields":[{"name":"d","type":"decimal(12, 3)","nullable":true,"metadata":{}}]}',
    );
    assert.equal(s.fields[0].type, "decimal(12,3)");
  });
  await t.step("precision above 38 or scale above precision is corrupt", () => {
    assert.throws(() => decimalParams("decimal(39,0)"), CorruptLogError);
    assert.throws(() => decimalParams("decimal(5,6)"), CorruptLogError);
  });
  await t.step("non-decimals have no parameters", () => {
    assert.equal(decimalParams("long"), undefined);
    assert.equal(decimalParams({ type: "struct", fields: [] }), undefined);
  });
});

const NESTED = JSON.stringify({
  type: "struct",
  fields: [
    { name: "a", type: "integer", nullable: false, metadata: {} },
    {
      name: "b",
      type: {
        type: "struct",
        fields: [{ name: "d", type: "integer", nullable: false, metadata: {} }],
      },
      nullable: true,
      metadata: {},
    },
    {
      name: "c",
      type: { type: "array", elementType: "integer", containsNull: false },
      nullable: true,
      metadata: {},
    },
    {
      name: "e",
      type: {
        type: "array",
        elementType: {
          type: "struct",
          fields: [{ name: "d", type: "integer", nullable: false, metadata: {} }],
        },
        containsNull: true,
      },
      nullable: true,
      metadata: {},
    },
    {
      name: "f",
      type: { type: "map", keyType: "string", valueType: "string", valueContainsNull: true },
      nullable: true,
      metadata: { "delta.columnMapping.id": 5, "delta.columnMapping.physicalName": "col-f" },
    },
  ],
});

Deno.test("schema: nested types", async (t) => {
  const s = parseSchemaString(NESTED);
  await t.step("the protocol's example schema round-trips exactly", () => {
    assert.equal(schemaToJson(s), NESTED);
  });
  await t.step("nullability and containsNull are kept", () => {
    assert.equal(s.fields[0].nullable, false);
    const c = s.fields[2].type;
    assert.ok(typeof c === "object" && c.type === "array" && c.containsNull === false);
  });
  await t.step("struct maps to Struct with logical names", () => {
    assert.ok(deltaToPolars(s.fields[1].type).equals(pl.Struct([new pl.Field("d", pl.Int32)])));
  });
  await t.step("array of struct maps to List(Struct)", () => {
    assert.ok(
      deltaToPolars(s.fields[3].type).equals(pl.List(pl.Struct([new pl.Field("d", pl.Int32)]))),
    );
  });
  await t.step("map maps to List(Struct{key, value})", () => {
    const expected = pl.List(
      pl.Struct([new pl.Field("key", pl.String), new pl.Field("value", pl.String)]),
    );
    assert.ok(deltaToPolars(s.fields[4].type).equals(expected));
  });
  await t.step("the whole schema converts to a Polars struct", () => {
    const st = deltaToPolars(s);
    assert.equal(st.variant, "Struct");
    assert.equal((st as unknown as { inner: pl.Field[] }).inner.length, 5);
  });
  await t.step("Polars List and Struct map back to nullable array and struct", () => {
    const back = polarsToDelta(pl.List(pl.Struct([new pl.Field("d", pl.Int32)])));
    assert.deepEqual(back, {
      type: "array",
      elementType: {
        type: "struct",
        fields: [{ name: "d", type: "integer", nullable: true, metadata: {} }],
      },
      containsNull: true,
    });
  });
  await t.step("containsBinary looks inside nested types", () => {
    assert.equal(containsBinary(s), false);
    assert.equal(
      containsBinary({
        type: "map",
        keyType: "string",
        valueType: "binary",
        valueContainsNull: true,
      }),
      true,
    );
  });
});

Deno.test("schema: field metadata", async (t) => {
  const s = parseSchemaString(NESTED);
  await t.step("column mapping metadata survives parsing", () => {
    assert.equal(fieldId(s.fields[4]), 5);
    assert.equal(physicalName(s.fields[4], "id"), "col-f");
    assert.equal(physicalName(s.fields[4], "none"), "f");
  });
  await t.step("physicalSchema renames nested fields and keeps metadata", () => {
    const mapped = parseSchemaString(JSON.stringify({
      type: "struct",
      fields: [{
        name: "s",
        type: {
          type: "struct",
          fields: [{
            name: "inner",
            type: "long",
            nullable: true,
            metadata: { "delta.columnMapping.physicalName": "col-2" },
          }],
        },
        nullable: true,
        metadata: { "delta.columnMapping.physicalName": "col-1" },
      }],
    }));
    const p = physicalSchema(mapped, "name");
    assert.equal(p.fields[0].name, "col-1");
    const inner = p.fields[0].type as StructType;
    assert.equal(inner.fields[0].name, "col-2");
    assert.equal(inner.fields[0].metadata["delta.columnMapping.physicalName"], "col-2");
    assert.equal(physicalSchema(mapped, "none"), mapped);
  });
  await t.step("a mapped field without a physical name is corrupt", () => {
    assert.throws(() => physicalName(s.fields[0], "name"), CorruptLogError);
  });
  await t.step("columnMappingMode reads the table property", () => {
    assert.equal(columnMappingMode(undefined), "none");
    assert.equal(columnMappingMode({ "delta.columnMapping.mode": "id" }), "id");
    assert.throws(
      () => columnMappingMode({ "delta.columnMapping.mode": "other" }),
      UnsupportedFeatureError,
    );
  });
  await t.step("typeChanges parses delta.typeChanges", () => {
    const f = {
      name: "x",
      type: "double",
      nullable: true,
      metadata: { "delta.typeChanges": [{ toType: "double", fromType: "float", tableVersion: 2 }] },
    };
    assert.deepEqual(typeChanges(f), [{ fromType: "float", toType: "double", tableVersion: 2 }]);
    assert.deepEqual(typeChanges(s.fields[0]), []);
  });
});

Deno.test("schema: malformed schema strings are CorruptLogError", async (t) => {
  const bad: [string, string][] = [
    ["not JSON", "{"],
    ["top level not a struct", '"long"'],
    ["struct without fields", '{"type":"struct"}'],
    ["field without a name", '{"type":"struct","fields":[{"type":"long"}]}'],
    ["unknown nested type", '{"type":"struct","fields":[{"name":"a","type":{"type":"set"}}]}'],
    ["non-string type name", '{"type":"struct","fields":[{"name":"a","type":42}]}'],
  ];
  for (const [name, text] of bad) {
    await t.step(name, () => assert.throws(() => parseSchemaString(text), CorruptLogError));
  }
  await t.step("a missing schemaString (undefined) is corrupt, not a TypeError", () => {
    assert.throws(
      () => parseSchemaString(undefined as unknown as string),
      (e) => e instanceof CorruptLogError && /without schemaString/.test(e.message),
    );
  });
  await t.step("missing nullable and metadata default to true and {}", () => {
    const s = parseSchemaString('{"type":"struct","fields":[{"name":"a","type":"long"}]}');
    assert.deepEqual(s.fields[0], { name: "a", type: "long", nullable: true, metadata: {} });
  });
});

Deno.test("schema: schemaFromPolars of a DataFrame", () => {
  const df = pl.DataFrame({
    id: pl.Series("id", [1n, 2n], pl.Int64),
    px: [1.5, 2.5],
    sym: ["a", "b"],
    ok: [true, false],
  });
  const s: StructType = schemaFromPolars(df);
  assert.deepEqual(
    s.fields.map((f) => [f.name, f.type, f.nullable]),
    [["id", "long", true], ["px", "double", true], ["sym", "string", true], [
      "ok",
      "boolean",
      true,
    ]],
  );
});

Deno.test("schema: every schema in the fixture logs parses and round-trips", async () => {
  // Collect the distinct schema strings of the corpus (a sample of commit files), parse each,
  // and check serialise(parse(x)) parses to the same model.
  const seen = new Set<string>();
  const roots: string[] = [];
  for await (const group of Deno.readDir(DELTA_FIXTURES)) {
    if (!group.isDirectory) continue;
    for await (const table of Deno.readDir(`${DELTA_FIXTURES}/${group.name}`)) {
      if (table.isDirectory) roots.push(`${DELTA_FIXTURES}/${group.name}/${table.name}`);
    }
  }
  for (const root of roots) {
    for (const logDir of [`${root}/_delta_log`, `${root}/delta/_delta_log`]) {
      let entries: Deno.DirEntry[];
      try {
        entries = Array.from(Deno.readDirSync(logDir));
      } catch {
        continue;
      }
      for (const e of entries) {
        if (!/^\d{20}\.json$/.test(e.name)) continue;
        const text = Deno.readTextFileSync(`${logDir}/${e.name}`);
        for (const line of text.split("\n")) {
          if (!line.includes('"metaData"')) continue;
          try {
            const ss = JSON.parse(line).metaData?.schemaString;
            if (typeof ss === "string") seen.add(ss);
          } catch {
            // A deliberately corrupt commit line; the log-replay tests cover those.
          }
        }
      }
    }
  }
  assert.ok(seen.size > 100, `only ${seen.size} schemas found`);
  let parsed = 0;
  for (const ss of seen) {
    let s: StructType;
    try {
      s = parseSchemaString(ss);
    } catch (e) {
      assert.ok(e instanceof CorruptLogError, `${ss.slice(0, 80)}: ${e}`);
      continue;
    }
    parsed++;
    assert.deepEqual(parseSchemaString(schemaToJson(s)), s);
  }
  assert.ok(parsed >= seen.size - 2, `${seen.size - parsed} schemas failed to parse`);
});
