/**
 * Named row rules and the split of a frame into rows that pass and rows to quarantine.
 *
 * A rule is a name, a one-line doc, a Boolean expression that is true when a row passes and
 * a text expression describing the offending values. A null result counts as a failure: a
 * missing price is not a positive price. {@linkcode applyRowRules} evaluates every rule in
 * one pass and records, for each failing row, the *first* rule it fails (rules are checked
 * in the order given), that rule's detail, and the row's vendor fields as text.
 *
 * Rule names are stable identifiers (they are stored in the quarantine table and counted in
 * the manifest): snake_case, saying what must hold, for example `price_positive`.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, Expr } from "../polars_types.ts";
import { FILE_LINE_NUMBER } from "./tardis_csv.ts";

/** One named row rule. */
export interface RowRule {
  /** Stable snake_case name, e.g. `"price_positive"`. */
  readonly name: string;
  /** What must hold, one line. */
  readonly doc: string;
  /** True when the row passes; null counts as a failure. */
  readonly passes: Expr;
  /** Text describing the offending values (evaluated on failing rows only). */
  readonly detail: Expr;
}

/** Options of {@linkcode rowRule}. */
export interface RowRuleOptions {
  /**
   * Text describing the offending values.
   * @default the rule's doc
   */
  detail?: Expr;
}

/**
 * Define a row rule.
 *
 * @param name Stable snake_case name.
 * @param doc What must hold.
 * @param passes True when the row passes.
 * @param options The detail expression.
 * @returns The rule.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { rowRule } from "./row_rules.ts";
 * const r = rowRule("qty_even", "qty is even", pl.col("qty").modulo(2).eq(0));
 * if (r.name !== "qty_even") throw new Error("name lost");
 * ```
 */
export function rowRule(
  name: string,
  doc: string,
  passes: Expr,
  options: RowRuleOptions = {},
): RowRule {
  return Object.freeze({ name, doc, passes, detail: options.detail ?? pl.lit(doc) });
}

/**
 * A text expression `name=value` for each column (`null` for nulls), joined by spaces.
 *
 * @param columns Column names.
 * @returns A Utf8 expression.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { showValues } from "./row_rules.ts";
 * const df = pl.DataFrame({ price: [-1], amount: [null] });
 * const text = df.select(showValues(["price", "amount"]).alias("t")).getColumn("t").get(0);
 * if (text !== "price=-1.0 amount=null") throw new Error(text);
 * ```
 */
export function showValues(columns: readonly string[]): Expr {
  const parts: pl.Expr[] = [];
  columns.forEach((name, i) => {
    parts.push(pl.lit(`${i === 0 ? "" : " "}${name}=`));
    parts.push(pl.col(name).cast(pl.String).fillNull(pl.lit("null")));
  });
  return pl.concatString(parts, "");
}

/** Options of the column rule factories. */
export interface ColumnRuleOptions {
  /**
   * Rule name.
   * @default `${column}_positive` (or `_non_negative`)
   */
  name?: string;
  /**
   * Let a null value pass (the column is optional).
   * @default false
   */
  allowNull?: boolean;
}

function _nullable(column: string, check: pl.Expr, allowNull: boolean): pl.Expr {
  return allowNull ? pl.col(column).isNull().or(check) : check;
}

/**
 * Rule: the column is > 0.
 *
 * @param column Column name.
 * @param options Name and null handling.
 * @returns The rule.
 * @example
 * ```ts
 * import { positive } from "./row_rules.ts";
 * if (positive("price").name !== "price_positive") throw new Error("default name");
 * ```
 */
export function positive(column: string, options: ColumnRuleOptions = {}): RowRule {
  const allowNull = options.allowNull ?? false;
  return rowRule(
    options.name ?? `${column}_positive`,
    `${column} > 0 and finite${allowNull ? " when present" : ""}`,
    _nullable(column, _finiteAnd(column, pl.col(column).gt(0)), allowNull),
    { detail: showValues([column]) },
  );
}

/**
 * Rule: the column is >= 0.
 *
 * @param column Column name.
 * @param options Name and null handling.
 * @returns The rule.
 * @example
 * ```ts
 * import { nonNegative } from "./row_rules.ts";
 * if (nonNegative("amount").name !== "amount_non_negative") throw new Error("default name");
 * ```
 */
export function nonNegative(column: string, options: ColumnRuleOptions = {}): RowRule {
  const allowNull = options.allowNull ?? false;
  return rowRule(
    options.name ?? `${column}_non_negative`,
    `${column} >= 0 and finite${allowNull ? " when present" : ""}`,
    _nullable(column, _finiteAnd(column, pl.col(column).gtEq(0)), allowNull),
    { detail: showValues([column]) },
  );
}

/**
 * Rule: the text column is one of the given values.
 *
 * @param column Column name.
 * @param values Allowed values.
 * @param name Rule name.
 * @returns The rule.
 * @example
 * ```ts
 * import { oneOf } from "./row_rules.ts";
 * if (oneOf("side", ["buy", "sell"], "side_known").doc !== "side in buy, sell") {
 *   throw new Error("doc");
 * }
 * ```
 */
export function oneOf(column: string, values: readonly string[], name: string): RowRule {
  // A few equalities are cheaper than a hash lookup per row (same result, nulls stay null).
  const passes = values.length > 0 && values.length <= 8
    ? values.map((v) => pl.col(column).eq(pl.lit(v))).reduce((a, b) => a.or(b))
    : pl.col(column).isIn([...values]);
  return rowRule(name, `${column} in ${values.join(", ")}`, passes, {
    detail: showValues([column]),
  });
}

/**
 * Rule: the column is not null.
 *
 * @param column Column name.
 * @param name Rule name.
 * @returns The rule.
 * @example
 * ```ts
 * import { present } from "./row_rules.ts";
 * if (present("is_snapshot", "is_snapshot_present").name !== "is_snapshot_present") {
 *   throw new Error("name");
 * }
 * ```
 */
export function present(column: string, name: string): RowRule {
  return rowRule(name, `${column} is present`, pl.col(column).isNotNull(), {
    detail: showValues([column]),
  });
}

/**
 * Rule: `low < high` where both are present (a null on either side passes).
 *
 * @param low Column that must be smaller.
 * @param high Column that must be larger.
 * @param name Rule name.
 * @returns The rule.
 * @example
 * ```ts
 * import { lessThanWhenBoth } from "./row_rules.ts";
 * if (lessThanWhenBoth("bid_price", "ask_price", "bid_below_ask").name !== "bid_below_ask") {
 *   throw new Error("name");
 * }
 * ```
 */
export function lessThanWhenBoth(low: string, high: string, name: string): RowRule {
  return rowRule(
    name,
    `${low} < ${high} when both are present`,
    pl.col(low).isNull().or(pl.col(high).isNull()).or(pl.col(low).lt(pl.col(high))),
    { detail: showValues([low, high]) },
  );
}

/** Options of {@linkcode applyRowRules}. */
export interface ApplyRowRulesOptions {
  /**
   * Columns joined (as text, comma-separated, nulls empty) into `raw` for failing rows.
   * @default [] (raw is null)
   */
  rawColumns?: readonly string[];
}

/** The result of {@linkcode applyRowRules}. */
export interface RowRuleSplit {
  /** Rows that pass every rule, unchanged. */
  passed: DataFrame;
  /** Failing rows: `file_line_number` Int64, `rule`, `detail`, `raw` (all Utf8). */
  failed: DataFrame;
}

/**
 * Split a frame into rows that pass every rule and rows to quarantine.
 *
 * @param df Rows with a `file_line_number` column.
 * @param rules Rules, checked in order; a failing row is recorded under its first failure.
 * @param options Which columns make up `raw`.
 * @returns The passing rows and the failing rows' records.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { applyRowRules, positive } from "./row_rules.ts";
 * const df = pl.DataFrame({ file_line_number: [2, 3], price: [9682, -1] });
 * const { passed, failed } = applyRowRules(df, [positive("price")]);
 * if (passed.height !== 1 || failed.getColumn("file_line_number").get(0) !== 3) {
 *   throw new Error("line 3 should fail price_positive");
 * }
 * ```
 */
export function applyRowRules(
  df: DataFrame,
  rules: readonly RowRule[],
  options: ApplyRowRulesOptions = {},
): RowRuleSplit {
  const rawColumns = options.rawColumns ?? [];
  if (rules.length === 0) return { passed: df, failed: _noFailures(df, rawColumns) };
  // Fast path: most files break no rule; one aggregate pass avoids two filters and copies.
  const passes = rules.map((rule) => rule.passes.fillNull(false));
  const allPass = df.height === 0 || df.select(pl.allHorizontal(passes).all().alias("ok"))
        .getColumn("ok").toArray()[0] === true;
  if (allPass) return { passed: df, failed: _noFailures(df, rawColumns) };
  const flags = passes.map((pass, i) => pass.not().alias(`_fail_${i}`));
  let ruleExpr = pl.when(pl.col("_fail_0")).then(pl.lit(rules[0].name));
  let detailExpr = pl.when(pl.col("_fail_0")).then(rules[0].detail);
  for (let i = 1; i < rules.length; i++) {
    ruleExpr = ruleExpr.when(pl.col(`_fail_${i}`)).then(pl.lit(rules[i].name));
    detailExpr = detailExpr.when(pl.col(`_fail_${i}`)).then(rules[i].detail);
  }
  const flagged = df.withColumns(...flags).withColumns(
    ruleExpr.otherwise(pl.lit(null)).cast(pl.String).alias("_rule"),
  );
  const flagNames = rules.map((_, i) => `_fail_${i}`);
  const passed = flagged.filter(pl.col("_rule").isNull()).drop([...flagNames, "_rule"]);
  const failing = flagged.filter(pl.col("_rule").isNotNull());
  const failed = failing.select(
    pl.col(FILE_LINE_NUMBER).cast(pl.Int64),
    pl.col("_rule").alias("rule"),
    detailExpr.otherwise(pl.lit(null)).cast(pl.String).alias("detail"),
    rawFields(rawColumns),
  );
  return { passed, failed };
}

/**
 * The quarantine `raw` text of a row: its vendor fields as text, comma-joined, nulls empty.
 *
 * @param columns The vendor columns, in header order.
 * @returns A Utf8 expression named `raw` (null when `columns` is empty).
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { rawFields } from "./row_rules.ts";
 * const df = pl.DataFrame({ exchange: ["x"], price: [null] });
 * if (df.select(rawFields(["exchange", "price"])).getColumn("raw").get(0) !== "x,") {
 *   throw new Error("raw");
 * }
 * ```
 */
export function rawFields(columns: readonly string[]): Expr {
  if (columns.length === 0) return pl.lit(null).cast(pl.String).alias("raw");
  return pl.concatString(
    columns.map((name) => pl.col(name).cast(pl.String).fillNull(pl.lit(""))),
    ",",
  ).alias("raw");
}

function _noFailures(df: pl.DataFrame, rawColumns: readonly string[]): pl.DataFrame {
  return df.head(0).select(
    pl.col(FILE_LINE_NUMBER).cast(pl.Int64),
    pl.lit(null).cast(pl.String).alias("rule"),
    pl.lit(null).cast(pl.String).alias("detail"),
    rawFields(rawColumns),
  );
}

// Polars orders NaN above every number, so `NaN > 0` holds: bound the value above as well,
// which rejects NaN and +Infinity alike (and works on integer columns too).
function _finiteAnd(column: string, check: pl.Expr): pl.Expr {
  return check.and(pl.col(column).lt(Number.POSITIVE_INFINITY));
}
