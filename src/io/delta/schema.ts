/**
 * Delta table schemas: the JSON schema string of a `metaData` action, its TypeScript model,
 * and the mapping to and from Polars data types.
 *
 * Type mapping (Delta → Polars):
 *
 * | Delta | Polars |
 * |---|---|
 * | `byte`, `short`, `integer`, `long` | `Int8`, `Int16`, `Int32`, `Int64` |
 * | `float`, `double` | `Float32`, `Float64` |
 * | `boolean` | `Bool` |
 * | `string` | `String` (alias `Utf8`) |
 * | `binary` | a `Binary` marker (see below) |
 * | `date` | `Date` |
 * | `timestamp` | `Datetime("us", "UTC")` |
 * | `timestamp_ntz` | `Datetime("us", "")` (no time zone, written the way Polars reports it) |
 * | `decimal(p,s)` (bare `decimal` = `decimal(10,0)`) | `Decimal(p, s)` |
 * | `void` | `Null` |
 * | `struct` | `Struct` (logical field names) |
 * | `array` | `List` |
 * | `map` | `List(Struct{key, value})` (Polars has no map type; this is how Polars reads a Parquet map) |
 *
 * nodejs-polars 0.25.2 has no `Binary` data type: Polars reads binary Parquet columns, but JS
 * cannot name their type, cast to it, or even print a schema holding it. {@linkcode deltaToPolars}
 * therefore returns {@linkcode BINARY_DTYPE}, a marker whose `variant` is `"Binary"`; handing it
 * to a Polars cast fails. Use {@linkcode containsBinary} to leave such columns uncast.
 *
 * Field metadata is kept verbatim, so column mapping (`delta.columnMapping.id`,
 * `delta.columnMapping.physicalName`), type widening (`delta.typeChanges`), identity and
 * generated-column keys survive a round trip. {@linkcode physicalName},
 * {@linkcode columnMappingMode} and {@linkcode typeChanges} read them.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, DataType } from "../../polars_types.ts";
import { CorruptLogError, UnsupportedFeatureError } from "./errors.ts";

/**
 * A primitive Delta type name: `string`, `long`, `integer`, `short`, `byte`, `float`,
 * `double`, `boolean`, `binary`, `date`, `timestamp`, `timestamp_ntz`, `decimal(p,s)`,
 * `void`, or a name this module does not map (for example `variant`, `geometry(...)`), kept
 * as written.
 */
export type DeltaPrimitiveType = string;

/** A Delta struct type: the top-level schema or a nested struct column. */
export interface StructType {
  /** Always `"struct"`. */
  type: "struct";
  /** The fields, in order. */
  fields: StructField[];
}

/** A Delta array type. */
export interface ArrayType {
  /** Always `"array"`. */
  type: "array";
  /** The element type. */
  elementType: DeltaDataType;
  /** Whether elements may be null. */
  containsNull: boolean;
}

/** A Delta map type. */
export interface MapType {
  /** Always `"map"`. */
  type: "map";
  /** The key type. */
  keyType: DeltaDataType;
  /** The value type. */
  valueType: DeltaDataType;
  /** Whether values may be null. */
  valueContainsNull: boolean;
}

/** Any Delta data type: a primitive name or a nested type. */
export type DeltaDataType = DeltaPrimitiveType | StructType | ArrayType | MapType;

/** One (possibly nested) column. */
export interface StructField {
  /** The logical column name. */
  name: string;
  /** The column type. */
  type: DeltaDataType;
  /** Whether the column may be null. */
  nullable: boolean;
  /** Column metadata, kept verbatim (column mapping, type changes, identity, ...). */
  metadata: Record<string, unknown>;
}

/** Column mapping modes of the `delta.columnMapping.mode` table property. */
export type ColumnMappingMode = "none" | "name" | "id";

/** One entry of a field's `delta.typeChanges` metadata (type widening). */
export interface TypeChange {
  /** The type before the change. */
  fromType: DeltaDataType;
  /** The type after the change. */
  toType: DeltaDataType;
  /** The table version of the change, when recorded. */
  tableVersion?: number;
  /** For a change inside a map or array: `key`, `value` or `element` (possibly nested). */
  fieldPath?: string;
}

/** The decimal precision and scale of a `decimal(p,s)` type name. */
export interface DecimalParams {
  /** Total number of digits, 1 to 38. */
  precision: number;
  /** Digits right of the point, 0 to `precision`. */
  scale: number;
}

const _PRIMITIVES: Record<string, () => pl.DataType> = {
  byte: () => pl.Int8,
  short: () => pl.Int16,
  integer: () => pl.Int32,
  long: () => pl.Int64,
  float: () => pl.Float32,
  double: () => pl.Float64,
  boolean: () => pl.Bool,
  string: () => pl.String,
  date: () => pl.Date,
  timestamp: () => pl.Datetime("us", "UTC"),
  // Polars reports a naive Datetime with time zone "", and Datetime.equals compares it strictly.
  timestamp_ntz: () => pl.Datetime("us", ""),
  void: () => pl.Null,
};

const _DECIMAL_RE = /^decimal(?:\(\s*(\d+)\s*,\s*(-?\d+)\s*\))?$/;
const _NAME_RE = /^[a-z_][a-z0-9_]*(\(.*\))?$/;

function _createBinaryDtype(): pl.DataType {
  const marker = Object.create(Object.getPrototypeOf(pl.Utf8));
  Object.defineProperty(marker, "variant", { value: "Binary", enumerable: true });
  Object.defineProperty(marker, "toString", { value: () => "DataType(Binary)" });
  Object.defineProperty(marker, "equals", {
    value: (other: pl.DataType) => other?.variant === ("Binary" as unknown),
  });
  return marker as pl.DataType;
}

/**
 * The stand-in Polars data type of Delta `binary` (nodejs-polars has no `Binary` type). Its
 * `variant` is `"Binary"`; Polars rejects it in a cast.
 */
export const BINARY_DTYPE: DataType = _createBinaryDtype();

/**
 * Whether a Polars data type is the {@linkcode BINARY_DTYPE} marker.
 *
 * @param dtype A Polars data type.
 * @returns True for the binary marker.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { deltaToPolars, isBinaryDtype } from "./schema.ts";
 * if (!isBinaryDtype(deltaToPolars("binary")) || isBinaryDtype(pl.Utf8)) throw new Error("marker");
 * ```
 */
export function isBinaryDtype(dtype: DataType): boolean {
  return (dtype as { variant?: string })?.variant === "Binary";
}

/**
 * The precision and scale of a decimal type name.
 *
 * @param type A primitive type name.
 * @returns `{precision, scale}` for `decimal(p,s)` (bare `decimal` is `decimal(10,0)`), else `undefined`.
 * @throws {CorruptLogError} When precision or scale is out of range.
 * @example
 * ```ts
 * import { decimalParams } from "./schema.ts";
 * const d = decimalParams("decimal(10,2)");
 * if (d?.precision !== 10 || d.scale !== 2) throw new Error("decimal(10,2)");
 * ```
 */
export function decimalParams(type: DeltaDataType): DecimalParams | undefined {
  if (typeof type !== "string") return undefined;
  const m = _DECIMAL_RE.exec(type.trim());
  if (!m) return undefined;
  const precision = m[1] === undefined ? 10 : Number(m[1]);
  const scale = m[2] === undefined ? 0 : Number(m[2]);
  if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
    throw new CorruptLogError(
      `Cannot parse type "${type}": precision must be 1 to 38 and scale 0 to precision`,
    );
  }
  return { precision, scale };
}

function _parseDataType(json: unknown, where: string): DeltaDataType {
  if (typeof json === "string") {
    const name = json.trim();
    if (!_NAME_RE.test(name)) {
      throw new CorruptLogError(`Cannot parse schema: invalid type name "${json}" at ${where}`);
    }
    const dec = decimalParams(name);
    return dec ? `decimal(${dec.precision},${dec.scale})` : name;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new CorruptLogError(`Cannot parse schema: expected a type at ${where}`);
  }
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case "struct":
      return _parseStruct(o, where);
    case "array":
      return {
        type: "array",
        elementType: _parseDataType(o.elementType, `${where}.element`),
        containsNull: o.containsNull === undefined ? true : Boolean(o.containsNull),
      };
    case "map":
      return {
        type: "map",
        keyType: _parseDataType(o.keyType, `${where}.key`),
        valueType: _parseDataType(o.valueType, `${where}.value`),
        valueContainsNull: o.valueContainsNull === undefined ? true : Boolean(o.valueContainsNull),
      };
    default:
      throw new CorruptLogError(
        `Cannot parse schema: unknown nested type ${JSON.stringify(o.type)} at ${where}`,
      );
  }
}

function _parseStruct(o: Record<string, unknown>, where: string): StructType {
  if (!Array.isArray(o.fields)) {
    throw new CorruptLogError(`Cannot parse schema: struct without "fields" at ${where}`);
  }
  const fields = o.fields.map((f: unknown, i: number): StructField => {
    if (f === null || typeof f !== "object") {
      throw new CorruptLogError(`Cannot parse schema: field ${i} of ${where} is not an object`);
    }
    const fo = f as Record<string, unknown>;
    if (typeof fo.name !== "string") {
      throw new CorruptLogError(`Cannot parse schema: field ${i} of ${where} has no name`);
    }
    const meta = fo.metadata;
    return {
      name: fo.name,
      type: _parseDataType(fo.type, `${where}.${fo.name}`),
      nullable: fo.nullable === undefined ? true : Boolean(fo.nullable),
      metadata: meta && typeof meta === "object" && !Array.isArray(meta)
        ? { ...(meta as Record<string, unknown>) }
        : {},
    };
  });
  return { type: "struct", fields };
}

/**
 * Parse a Delta data type from its JSON value (a type name string or a nested type object).
 *
 * @param json The parsed JSON value of a `type`, `elementType`, `keyType` or `valueType`.
 * @returns The data type. Decimal names are normalised to `decimal(p,s)`.
 * @throws {CorruptLogError} When the value is not a valid Delta type.
 * @example
 * ```ts
 * import { parseDataType } from "./schema.ts";
 * const t = parseDataType({ type: "array", elementType: "long", containsNull: true });
 * if (typeof t === "string" || t.type !== "array" || t.elementType !== "long") throw new Error("array");
 * ```
 */
export function parseDataType(json: unknown): DeltaDataType {
  return _parseDataType(json, "root");
}

/**
 * Parse the `schemaString` of a `metaData` action.
 *
 * @param schemaString The JSON text of the table schema.
 * @returns The top-level struct, field metadata kept verbatim.
 * @throws {CorruptLogError} When the value is not a string, not JSON or not a Delta struct schema.
 * @example
 * ```ts
 * import { parseSchemaString } from "./schema.ts";
 * const s = parseSchemaString(
 *   '{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]}',
 * );
 * if (s.fields[0].name !== "id" || s.fields[0].type !== "long") throw new Error("parsed");
 * ```
 */
export function parseSchemaString(schemaString: string): StructType {
  if (typeof schemaString !== "string") {
    throw new CorruptLogError(
      `Cannot parse schema string: expected JSON text, got ${
        schemaString === null ? "null" : typeof schemaString
      } (metaData without schemaString)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(schemaString);
  } catch (cause) {
    throw new CorruptLogError(`Cannot parse schema string: not valid JSON`, { cause });
  }
  if (json === null || typeof json !== "object" || (json as { type?: unknown }).type !== "struct") {
    throw new CorruptLogError(`Cannot parse schema string: the top level is not a struct`);
  }
  return _parseStruct(json as Record<string, unknown>, "root");
}

function _typeToJson(t: DeltaDataType): unknown {
  if (typeof t === "string") return t;
  switch (t.type) {
    case "struct":
      return _structToJson(t);
    case "array":
      return {
        type: "array",
        elementType: _typeToJson(t.elementType),
        containsNull: t.containsNull,
      };
    case "map":
      return {
        type: "map",
        keyType: _typeToJson(t.keyType),
        valueType: _typeToJson(t.valueType),
        valueContainsNull: t.valueContainsNull,
      };
  }
}

function _structToJson(s: StructType): unknown {
  return {
    type: "struct",
    fields: s.fields.map((f) => ({
      name: f.name,
      type: _typeToJson(f.type),
      nullable: f.nullable,
      metadata: f.metadata ?? {},
    })),
  };
}

/**
 * Serialise a schema to the JSON text of a `metaData.schemaString`.
 *
 * @param schema The top-level struct.
 * @returns Compact JSON with keys in protocol order (`name`, `type`, `nullable`, `metadata`).
 * @example
 * ```ts
 * import { parseSchemaString, schemaToJson } from "./schema.ts";
 * const text = '{"type":"struct","fields":[{"name":"a","type":"decimal(5,2)","nullable":true,"metadata":{}}]}';
 * if (schemaToJson(parseSchemaString(text)) !== text) throw new Error("round trip");
 * ```
 */
export function schemaToJson(schema: StructType): string {
  return JSON.stringify(_structToJson(schema));
}

/**
 * The Polars data type of a Delta data type.
 *
 * @param type A Delta data type.
 * @returns The Polars type (see the module table); `binary` gives {@linkcode BINARY_DTYPE}.
 * @throws {UnsupportedFeatureError} For `variant` (feature `variantType`) and other types
 *   pointline does not map (the feature is named `type:<name>`).
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { deltaToPolars } from "./schema.ts";
 * if (!deltaToPolars("timestamp").equals(pl.Datetime("us", "UTC"))) throw new Error("timestamp");
 * if (!deltaToPolars("decimal(10,2)").equals(pl.Decimal(10, 2))) throw new Error("decimal");
 * ```
 */
export function deltaToPolars(type: DeltaDataType): DataType {
  if (typeof type === "string") {
    if (Object.hasOwn(_PRIMITIVES, type)) return _PRIMITIVES[type]();
    if (type === "binary") return BINARY_DTYPE;
    const dec = decimalParams(type);
    if (dec) return pl.Decimal(dec.precision, dec.scale);
    if (type === "variant") {
      throw new UnsupportedFeatureError(
        "variantType",
        `Unsupported Delta type "variant": reading variant columns is out of scope`,
      );
    }
    throw new UnsupportedFeatureError(`type:${type}`, `Unsupported Delta type "${type}"`);
  }
  switch (type.type) {
    case "struct":
      return pl.Struct(type.fields.map((f) => new pl.Field(f.name, deltaToPolars(f.type))));
    case "array":
      return pl.List(deltaToPolars(type.elementType));
    case "map":
      return pl.List(
        pl.Struct([
          new pl.Field("key", deltaToPolars(type.keyType)),
          new pl.Field("value", deltaToPolars(type.valueType)),
        ]),
      );
  }
}

/**
 * Whether a Delta type is, or contains, `binary` (so Polars cannot cast to it).
 *
 * @param type A Delta data type.
 * @returns True when any part of the type is `binary`.
 * @example
 * ```ts
 * import { containsBinary } from "./schema.ts";
 * if (!containsBinary({ type: "array", elementType: "binary", containsNull: true })) throw new Error("nested");
 * if (containsBinary("long")) throw new Error("long");
 * ```
 */
export function containsBinary(type: DeltaDataType): boolean {
  if (typeof type === "string") return type === "binary";
  switch (type.type) {
    case "struct":
      return type.fields.some((f) => containsBinary(f.type));
    case "array":
      return containsBinary(type.elementType);
    case "map":
      return containsBinary(type.keyType) || containsBinary(type.valueType);
  }
}

/**
 * The Delta data type of a Polars data type.
 *
 * Unsigned integers widen to the next signed type (`UInt64` maps to `long`: writers must
 * reject values of 2^63 and above, as `writeDelta` does with a `ValueOutOfRangeError`);
 * `Utf8`/`String`/`Categorical` map to `string`; a `Datetime` with any time zone maps to
 * `timestamp`, without one to `timestamp_ntz` (values are stored as µs: cast before writing);
 * `List(Struct{key,value})` stays an array (Polars cannot tell it from a map).
 *
 * @param dtype A Polars data type.
 * @returns The Delta data type; arrays and structs are nullable throughout.
 * @throws {TypeError} For `Null`, `Time`, `Duration`, `Object` and other unmappable types.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { polarsToDelta } from "./schema.ts";
 * if (polarsToDelta(pl.Datetime("us")) !== "timestamp_ntz") throw new Error("ntz");
 * if (polarsToDelta(pl.Int16) !== "short") throw new Error("short");
 * ```
 */
export function polarsToDelta(dtype: DataType): DeltaDataType {
  const variant = dtype.variant as string;
  switch (variant) {
    case "Int8":
      return "byte";
    case "Int16":
    case "UInt8":
      return "short";
    case "Int32":
    case "UInt16":
      return "integer";
    case "Int64":
    case "UInt32":
    case "UInt64":
      return "long";
    case "Float32":
      return "float";
    case "Float64":
      return "double";
    case "Bool":
      return "boolean";
    case "Utf8":
    case "String":
    case "Categorical":
      return "string";
    case "Binary":
      return "binary";
    case "Date":
      return "date";
    case "Datetime": {
      const [, tz] = (dtype as unknown as { inner: (string | null | undefined)[] }).inner;
      return tz ? "timestamp" : "timestamp_ntz";
    }
    case "Decimal": {
      const [p, s] = (dtype as unknown as { inner: (number | null)[] }).inner;
      return `decimal(${p ?? 38},${s ?? 0})`;
    }
    case "List":
    case "FixedSizeList": {
      const inner = (dtype as unknown as { inner: pl.DataType[] }).inner[0];
      return { type: "array", elementType: polarsToDelta(inner), containsNull: true };
    }
    case "Struct": {
      const fields = (dtype as unknown as { inner: pl.Field[] }).inner;
      return {
        type: "struct",
        fields: fields.map((f) => ({
          name: f.name,
          type: polarsToDelta(f.dtype),
          nullable: true,
          metadata: {},
        })),
      };
    }
    default:
      throw new TypeError(`Cannot map Polars type "${String(dtype)}" to a Delta type`);
  }
}

/**
 * The Delta schema of a DataFrame (or of a name → Polars type record). Every field is nullable
 * and has empty metadata.
 *
 * @param source A DataFrame, or a record of column name to Polars data type.
 * @returns The top-level struct, columns in order.
 * @throws {TypeError} When a column type has no Delta equivalent.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { schemaFromPolars } from "./schema.ts";
 * const s = schemaFromPolars({ id: pl.Int64, name: pl.Utf8 });
 * if (s.fields.map((f) => `${f.name}:${f.type}`).join() !== "id:long,name:string") throw new Error("schema");
 * ```
 */
export function schemaFromPolars(source: DataFrame | Record<string, DataType>): StructType {
  const record: Record<string, pl.DataType> = _isDataFrame(source)
    ? source.schema as Record<string, pl.DataType>
    : source;
  return {
    type: "struct",
    fields: Object.entries(record).map(([name, dtype]) => ({
      name,
      type: polarsToDelta(dtype),
      nullable: true,
      metadata: {},
    })),
  };
}

function _isDataFrame(x: unknown): x is pl.DataFrame {
  return typeof x === "object" && x !== null && typeof (x as pl.DataFrame).lazy === "function" &&
    typeof (x as pl.DataFrame).height === "number";
}

/**
 * The column mapping mode of a table, from its `metaData.configuration`.
 *
 * @param configuration The table properties.
 * @returns `"name"`, `"id"` or `"none"` (the default when the property is absent).
 * @throws {UnsupportedFeatureError} For an unknown mode.
 * @example
 * ```ts
 * import { columnMappingMode } from "./schema.ts";
 * if (columnMappingMode({ "delta.columnMapping.mode": "name" }) !== "name") throw new Error("name");
 * if (columnMappingMode({}) !== "none") throw new Error("none");
 * ```
 */
export function columnMappingMode(
  configuration: Record<string, string | null | undefined> | undefined,
): ColumnMappingMode {
  const raw = configuration?.["delta.columnMapping.mode"];
  const mode = (raw ?? "none").toLowerCase();
  if (mode === "none" || mode === "name" || mode === "id") return mode;
  throw new UnsupportedFeatureError(
    "columnMapping",
    `Unsupported column mapping mode "${raw}": expected "none", "name" or "id"`,
  );
}

/**
 * The physical (storage) name of a field: `delta.columnMapping.physicalName` when column
 * mapping is on and the key is present, else the logical name.
 *
 * @param field A schema field.
 * @param mode The table's column mapping mode.
 * @returns The name of the column in Parquet files and in `partitionValues`/stats keys.
 * @throws {CorruptLogError} When mapping is on and the field has no physical name.
 * @example
 * ```ts
 * import { physicalName } from "./schema.ts";
 * const f = { name: "a", type: "long", nullable: true, metadata: { "delta.columnMapping.physicalName": "col-1" } };
 * if (physicalName(f, "name") !== "col-1" || physicalName(f, "none") !== "a") throw new Error("names");
 * ```
 */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === "none") return field.name;
  const p = field.metadata?.["delta.columnMapping.physicalName"];
  if (typeof p !== "string" || p === "") {
    throw new CorruptLogError(
      `Cannot map column "${field.name}": column mapping mode is "${mode}" but the field has no "delta.columnMapping.physicalName"`,
    );
  }
  return p;
}

/**
 * The column mapping id of a field (`delta.columnMapping.id`), if any.
 *
 * @param field A schema field.
 * @returns The id, or `undefined` when absent.
 * @example
 * ```ts
 * import { fieldId } from "./schema.ts";
 * if (fieldId({ name: "a", type: "long", nullable: true, metadata: { "delta.columnMapping.id": 3 } }) !== 3) throw new Error("id");
 * ```
 */
export function fieldId(field: StructField): number | undefined {
  const id = field.metadata?.["delta.columnMapping.id"];
  return typeof id === "number" ? id : typeof id === "string" && id !== "" ? Number(id) : undefined;
}

/**
 * A data type with every nested struct field renamed to its physical name.
 *
 * @param t A logical data type.
 * @param mode The table's column mapping mode; `"none"` returns the type unchanged.
 * @returns The physical data type (metadata kept).
 * @throws {CorruptLogError} When mapping is on and a nested field has no physical name.
 * @example
 * ```ts
 * import { physicalType } from "./schema.ts";
 * const t = physicalType({ type: "array", containsNull: true, elementType: { type: "struct",
 *   fields: [{ name: "a", type: "long", nullable: true,
 *     metadata: { "delta.columnMapping.physicalName": "col-1" } }] } }, "name");
 * if (typeof t === "string" || t.type !== "array") throw new Error("still an array");
 * const inner = t.elementType;
 * if (typeof inner === "string" || inner.type !== "struct" || inner.fields[0].name !== "col-1") {
 *   throw new Error("renamed");
 * }
 * ```
 */
export function physicalType(t: DeltaDataType, mode: ColumnMappingMode): DeltaDataType {
  return _physicalType(t, mode);
}

function _physicalType(t: DeltaDataType, mode: ColumnMappingMode): DeltaDataType {
  if (typeof t === "string" || mode === "none") return t;
  switch (t.type) {
    case "struct":
      return physicalSchema(t, mode);
    case "array":
      return { ...t, elementType: _physicalType(t.elementType, mode) };
    case "map":
      return {
        ...t,
        keyType: _physicalType(t.keyType, mode),
        valueType: _physicalType(t.valueType, mode),
      };
  }
}

/**
 * The schema with every (nested) field renamed to its physical name.
 *
 * @param schema The logical schema.
 * @param mode The table's column mapping mode; `"none"` returns the schema unchanged.
 * @returns The physical schema (metadata kept).
 * @throws {CorruptLogError} When mapping is on and a field has no physical name.
 * @example
 * ```ts
 * import { physicalSchema } from "./schema.ts";
 * const s = physicalSchema({ type: "struct", fields: [{ name: "a", type: "long", nullable: true,
 *   metadata: { "delta.columnMapping.physicalName": "col-1" } }] }, "id");
 * if (s.fields[0].name !== "col-1") throw new Error("renamed");
 * ```
 */
export function physicalSchema(schema: StructType, mode: ColumnMappingMode): StructType {
  if (mode === "none") return schema;
  return {
    type: "struct",
    fields: schema.fields.map((f) => ({
      ...f,
      name: physicalName(f, mode),
      type: _physicalType(f.type, mode),
    })),
  };
}

/**
 * The type changes recorded on a field by type widening (`delta.typeChanges` metadata).
 *
 * @param field A schema field.
 * @returns The changes, oldest first as recorded; `[]` when none.
 * @throws {CorruptLogError} When the metadata is present but malformed.
 * @example
 * ```ts
 * import { typeChanges } from "./schema.ts";
 * const c = typeChanges({ name: "a", type: "long", nullable: true,
 *   metadata: { "delta.typeChanges": [{ fromType: "integer", toType: "long", tableVersion: 2 }] } });
 * if (c[0].fromType !== "integer" || c[0].tableVersion !== 2) throw new Error("changes");
 * ```
 */
export function typeChanges(field: StructField): TypeChange[] {
  const raw = field.metadata?.["delta.typeChanges"];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new CorruptLogError(`Cannot read "delta.typeChanges" of "${field.name}": not an array`);
  }
  return raw.map((c: Record<string, unknown>) => {
    const change: TypeChange = {
      fromType: _parseDataType(c?.fromType, `${field.name}.typeChanges.fromType`),
      toType: _parseDataType(c?.toType, `${field.name}.typeChanges.toType`),
    };
    if (typeof c.tableVersion === "number") change.tableVersion = c.tableVersion;
    if (typeof c.fieldPath === "string") change.fieldPath = c.fieldPath;
    return change;
  });
}
