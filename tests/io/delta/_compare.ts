/**
 * Multiset comparison of a DataFrame against expected rows, done inside Polars.
 *
 * nodejs-polars cannot collect Decimal values to JS, and a Binary column makes `dtype` throw,
 * so rows are never brought to JS: each column is (if needed) cast to the expected column's
 * type, then hashed with `Expr.hash()` (which handles every type, nested ones included), and
 * the hashed frames are sorted by every column and compared. Column order, row order and
 * nullability are ignored, duplicates count.
 *
 * @module
 */
import pl from "nodejs-polars";

/** The outcome of {@linkcode compareFrames}. */
export interface CompareResult {
  /** Whether the frames hold the same multiset of rows over the same columns. */
  equal: boolean;
  /** Why not (empty when equal). */
  detail: string;
}

/** A column's type as text, or `undefined` when nodejs-polars cannot name it (Binary). */
function _dtype(df: pl.DataFrame, column: string): pl.DataType | undefined {
  try {
    return df.getColumn(column).dtype;
  } catch {
    return undefined;
  }
}

function _sortedHashes(df: pl.DataFrame, exprs: pl.Expr[], names: string[]): pl.DataFrame {
  const hashed = df.select(...exprs);
  return names.length ? hashed.sort(names) : hashed;
}

function _preview(df: pl.DataFrame, column: string, n = 5): string {
  try {
    const values = df.select(pl.col(column).cast(pl.String)).getColumn(column).sort().toArray();
    return JSON.stringify(values.slice(0, n)) +
      (values.length > n ? ` ... (${values.length})` : "");
  } catch {
    return "(not printable)";
  }
}

/**
 * Compare two frames as multisets of rows.
 *
 * @param actual The frame under test.
 * @param expected The expected rows.
 * @returns Whether they are equal, and a diagnostic when not.
 */
export function compareFrames(actual: pl.DataFrame, expected: pl.DataFrame): CompareResult {
  const a = [...actual.columns].sort();
  const e = [...expected.columns].sort();
  if (a.join("\u0000") !== e.join("\u0000")) {
    return {
      equal: false,
      detail: `columns differ: actual ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`,
    };
  }
  if (actual.height !== expected.height) {
    return { equal: false, detail: `row count ${actual.height}, expected ${expected.height}` };
  }
  if (actual.height === 0) return { equal: true, detail: "" };
  const aExprs: pl.Expr[] = [];
  const eExprs: pl.Expr[] = [];
  for (const c of e) {
    const ta = _dtype(actual, c);
    const te = _dtype(expected, c);
    let aExpr = pl.col(c);
    if (ta && te && String(ta) !== String(te)) aExpr = aExpr.cast(te);
    else if ((ta === undefined) !== (te === undefined)) {
      return {
        equal: false,
        detail: `column "${c}": type ${ta ? String(ta) : "Binary"}, expected ${
          te ? String(te) : "Binary"
        }`,
      };
    }
    aExprs.push(aExpr.hash().alias(c));
    eExprs.push(pl.col(c).hash().alias(c));
  }
  let ha: pl.DataFrame;
  try {
    ha = _sortedHashes(actual, aExprs, e);
  } catch (err) {
    return { equal: false, detail: `cannot cast to the expected types: ${String(err)}` };
  }
  const he = _sortedHashes(expected, eExprs, e);
  if (ha.frameEqual(he, true)) return { equal: true, detail: "" };
  const differing: string[] = [];
  for (let i = 0; i < e.length; i++) {
    const sa = ha.getColumn(e[i]).sort();
    const se = he.getColumn(e[i]).sort();
    if (!sa.seriesEqual(se, true)) {
      differing.push(
        `"${e[i]}": actual ${_preview(actual, e[i])} expected ${_preview(expected, e[i])}`,
      );
    }
  }
  return {
    equal: false,
    detail: differing.length
      ? `values differ in ${differing.join("; ")}`
      : "every column matches on its own but the rows combine differently",
  };
}

/**
 * Read every `*.parquet` file of a folder (Spark output: part files plus `_SUCCESS`) as one frame.
 *
 * @param dir The folder.
 * @returns The rows, or `undefined` when the folder holds no Parquet file.
 */
export function readParquetFolder(dir: string): pl.DataFrame | undefined {
  const files = [...Deno.readDirSync(dir)]
    .filter((f) => f.isFile && f.name.endsWith(".parquet") && !f.name.startsWith("."))
    .map((f) => `${dir}/${f.name}`)
    .sort();
  if (files.length === 0) return undefined;
  const frames = files.map((f) => pl.readParquet(f));
  return frames.length === 1 ? frames[0] : pl.concat(frames, { how: "diagonal" });
}
