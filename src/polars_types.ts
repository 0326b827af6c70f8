/**
 * The nodejs-polars types that pointline's public API takes and returns, under names of its own,
 * so that `mod.ts` and `research.ts` can document and re-export them.
 *
 * Each name is the nodejs-polars type itself (an alias, not a wrapper): a `DataFrame` returned
 * by pointline is a nodejs-polars `DataFrame`, and any nodejs-polars value can be passed where
 * one of these types is asked for. Values (constructors, `col`, `lit`) come from
 * `import pl from "nodejs-polars"`.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import type { DataFrame, Expr } from "./polars_types.ts";
 * const df: DataFrame = pl.DataFrame({ x: [1, 2, 3] });
 * const doubled: Expr = pl.col("x").mul(2);
 * if (df.select(doubled).getColumn("x").sum() !== 12) throw new Error("unexpected sum");
 * ```
 *
 * @module
 */
import type pl from "nodejs-polars";

/** A nodejs-polars `DataFrame`: an eager table of named, typed columns. */
export type DataFrame = pl.DataFrame;

/** A nodejs-polars `LazyDataFrame`: a query plan that runs on `collect()`. */
export type LazyDataFrame = pl.LazyDataFrame;

/** A nodejs-polars `Expr`: a column expression, as built by `pl.col(...)` or `pl.lit(...)`. */
export type Expr = pl.Expr;

/** A nodejs-polars `Series`: one named, typed column. */
export type Series = pl.Series;

/** A nodejs-polars `DataType`, such as `pl.Int64` or `pl.Datetime("us", "UTC")`. */
export type DataType = pl.DataType;
