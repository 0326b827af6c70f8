/**
 * SCD Type 2 upserts of dated instrument updates into `dim_symbol`.
 *
 * An *update* is one row with the key `(exchange_id, exchange_symbol)`, every tracked column
 * (see `TRACKED_COLUMNS`) and `valid_from_ts`: "from this time on, the instrument looked like
 * this". An optional `valid_until_ts` (not the open end) also says "and it was delisted at
 * that time". The rules:
 *
 * - **New key**: a new version `[valid_from_ts, open end)`, current.
 * - **Tracked change** (null-safe: null to a value and back are changes): the version in
 *   force closes at the update's `valid_from_ts` and a new one opens there.
 * - **No change**: nothing happens (the existing version, its id and bounds stay).
 * - **Late / out-of-order update** (its time falls inside history): the covering version is
 *   split at that time, so history stays contiguous; the new piece ends where the covering
 *   version ended. An update before a key's first version opens a version that runs up to the
 *   first one. A piece equal to its successor merges with it.
 * - **Same-timestamp conflict**: two *different* updates for one key at one `valid_from_ts`
 *   in a batch throw {@linkcode Scd2ConflictError} naming the key. An update that differs
 *   from an *existing* version starting at the same time also throws, unless
 *   `onConflict: "replace"` (a correction/backfill), in which case the update wins. Identical
 *   duplicates are harmless. No zero-length version is ever produced.
 * - **Reappearance**: an update after a key's version was closed (delisted) opens a new
 *   version; the gap stays a gap.
 * - **Snapshot / delisting** (`snapshot` option): the updates are a full instrument list as of
 *   `effectiveTs` for the exchanges they cover (or `snapshot.exchangeIds`); the current
 *   version of every key of those exchanges that is absent from the list closes at
 *   `effectiveTs`. Keys of other exchanges are untouched. A snapshot never closes a version
 *   that starts at or after its `effectiveTs`.
 *
 * Internally, only versions the batch can affect are rebuilt: those of keys named by the
 * updates (or closed by the snapshot) that end at or after the key's earliest new
 * observation. They become dated observations, are merged with the updates, sorted, and
 * collapsed (an observation equal to the one before it is absorbed); each version keeps its
 * `symbol_id` when its `valid_from_ts` survives. Other rows pass through unchanged. The
 * common batch (each key once, no bound, every update after the stored history) skips the
 * walk: it only closes changed current versions and appends new ones. The stored table is
 * assumed valid (see `validateDimSymbol`).
 *
 * Limits: the dimension keeps versions, not every observation; an update that arrives late
 * is applied against the versions as they are. For history that must be rewritten from all
 * observations, use `rebuildFromHistory`, which gives the same table for any input order.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { emptyFrame } from "./table_schema.ts";
 * import { DIM_SYMBOL_SCHEMA } from "./dim_symbol.ts";
 * import { scd2Upsert } from "./scd2_upsert.ts";
 * const update = (from: number, tick: number) =>
 *   pl.DataFrame({
 *     exchange_id: pl.Series("exchange_id", [2], pl.Int16),
 *     exchange_symbol: ["BTCUSDT"],
 *     exchange: ["binance-futures"],
 *     base_asset: ["BTC"],
 *     quote_asset: ["USDT"],
 *     asset_type: pl.Series("asset_type", [1], pl.Int8),
 *     tick_size: [tick],
 *     lot_size: [0.001],
 *     price_increment: [tick],
 *     amount_increment: [0.001],
 *     contract_size: [1],
 *     expiry_ts: pl.Series("expiry_ts", [null], pl.Int64),
 *     valid_from_ts: pl.Series("valid_from_ts", [from], pl.Int64),
 *   });
 * const v1 = scd2Upsert(emptyFrame(DIM_SYMBOL_SCHEMA), update(100, 0.1));
 * const v2 = scd2Upsert(v1, update(200, 0.5));
 * if (v2.height !== 2) throw new Error("a tick_size change opens a second version");
 * if (scd2Upsert(v2, update(300, 0.5)).height !== 2) throw new Error("no change is a no-op");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { int64Lit } from "./int64.ts";
import type { DataFrame } from "../polars_types.ts";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS, TRACKED_COLUMNS, UPDATE_COLUMNS } from "./dim_symbol.ts";
import { symbolIds } from "./symbol_id.ts";
import { polarsType } from "./table_schema.ts";

/**
 * Two different updates (or an update and a stored version) for one key at one time.
 *
 * @example
 * ```ts
 * import { Scd2ConflictError } from "./scd2_upsert.ts";
 * const e = new Scd2ConflictError(2, "BTCUSDT", 100n);
 * if (!e.message.includes('(2, "BTCUSDT") at valid_from_ts 100')) throw new Error(e.message);
 * ```
 */
export class Scd2ConflictError extends Error {
  /** Exchange id of the first conflicting key. */
  readonly exchangeId: number;
  /** Exchange symbol of the first conflicting key. */
  readonly exchangeSymbol: string;
  /** The shared `valid_from_ts`. */
  readonly validFromTs: bigint;
  /** How many (key, time) pairs conflict in total. */
  readonly conflicts: number;
  /**
   * Build the error for the first conflicting key.
   *
   * @param exchangeId Exchange id of the first conflicting key.
   * @param exchangeSymbol Exchange symbol of the first conflicting key.
   * @param validFromTs The shared `valid_from_ts`.
   * @param options `what` describes the two sides, `conflicts` the total count, plus `cause`.
   */
  constructor(
    exchangeId: number,
    exchangeSymbol: string,
    validFromTs: bigint,
    options: ErrorOptions & { what?: string; conflicts?: number } = {},
  ) {
    const { what = "different updates", conflicts = 1 } = options;
    const more = conflicts > 1 ? ` (and ${conflicts - 1} more)` : "";
    super(
      `Cannot upsert dim_symbol: ${what} for key (${exchangeId}, "${exchangeSymbol}") at ` +
        `valid_from_ts ${validFromTs}${more}`,
      options,
    );
    this.name = "Scd2ConflictError";
    this.exchangeId = exchangeId;
    this.exchangeSymbol = exchangeSymbol;
    this.validFromTs = validFromTs;
    this.conflicts = conflicts;
  }
}

/** Snapshot (full instrument list) semantics for {@linkcode Scd2UpsertOptions}. */
export interface Scd2Snapshot {
  /** Time of the list (µs): absent keys close here. */
  effectiveTs: bigint;
  /** Exchanges the list covers. @default {the distinct exchange_id values of the updates} */
  exchangeIds?: readonly number[];
}

/** Options of {@linkcode scd2Upsert}. */
export interface Scd2UpsertOptions {
  /** Treat the updates as a full instrument list and close absent keys. @default {undefined} */
  snapshot?: Scd2Snapshot;
  /**
   * What an update that differs from a stored version starting at the same time does:
   * `"error"` throws {@linkcode Scd2ConflictError}, `"replace"` overwrites the version.
   * @default {"error"}
   */
  onConflict?: "error" | "replace";
}

const _KEY = ["exchange_id", "exchange_symbol"];
const _KID = "__key_index"; // UInt32 index of a touched key: cheap joins and sorts
const _POS = "__position";
const _TS = "__ts";
const _KIND = "__is_value"; // true: a value observation; false: an end (delisting) marker
const _MIN_TS = "__first_new_ts";
const _ROW = "__row"; // position of a stored version in the current table
const _OLD_UNTIL = "__old_valid_until_ts";
const _NEW_UNTIL = "__new_valid_until_ts";
const _KEEP = "__keep";
const _NEXT_KID = "__next_key_index";
const _NEXT_TS = "__next_ts";
const _ON_FROM: string[] = [_KID, "valid_from_ts"];
const _ON_TS: string[] = [_KID, _TS];
const _OUT_COLUMNS = DIM_SYMBOL_SCHEMA.columns.map((c) => c.name);

// Expressions of the append path and the bound patch, built once: every nodejs-polars call
// crosses N-API, and building them on each upsert costs about as much as running the small
// queries they describe.
const _OPEN = int64Lit(OPEN_END_TS);
const _UNTIL = pl.col("valid_until_ts");
const _IS_OPEN = _UNTIL.eq(_OPEN);
const _BOUNDED = _UNTIL.isNotNull().and(_UNTIL.neq(_OPEN));
const _EARLIEST = pl.col("valid_from_ts").min();
const _REPEAT = "__repeated_key";
const _LATE_END = "__late_end";
const _REPEATED_KEY = pl.struct(_KEY.map((c) => pl.col(c))).isDuplicated().any().alias(_REPEAT);
const _NEXT: pl.Expr[] = [
  ..._KEY.map((c) => pl.col(c)),
  pl.col("valid_from_ts").alias(_TS),
  ...TRACKED_COLUMNS.map((c) => pl.col(c).alias(`${c}_upd`)),
];
const _STORED: string[] = [..._KEY, "valid_from_ts", "valid_until_ts", ...TRACKED_COLUMNS];
const _FLAGS: pl.Expr[] = [
  pl.col(_ROW),
  pl.col(_KID),
  pl.col(_TS),
  pl.col("valid_from_ts").lt(pl.col(_TS)).alias(_KEEP),
  // Struct equality is null-safe per field (fields pair by name, hence the aliases).
  pl.struct(TRACKED_COLUMNS.map((c) => pl.col(c)))
    .eq(pl.struct(TRACKED_COLUMNS.map((c) => pl.col(`${c}_upd`).alias(c))))
    .alias(_KIND),
];
const _SAME = pl.col(_KIND);
const _KID_COL = pl.col(_KID);
const _CHANGED = _SAME.not();
const _NEW_BOUNDS: pl.Expr[] = [pl.col(_ROW), pl.col(_TS).alias("valid_until_ts")];
const _NEW_VERSION = new Map<string, pl.Expr>([
  ["valid_until_ts", _OPEN.alias("valid_until_ts")],
  ["is_current", pl.lit(true).alias("is_current")],
]);
const _PATCH: pl.Expr[] = [
  pl.col(_NEW_UNTIL).alias("valid_until_ts"),
  pl.when(pl.col(_NEW_UNTIL).eq(_UNTIL)).then(pl.col("is_current"))
    .otherwise(pl.col(_NEW_UNTIL).eq(_OPEN))
    .alias("is_current"),
];

/**
 * Apply dated updates to a `dim_symbol` frame with SCD Type 2 rules (see the module doc).
 *
 * @param current The dimension as stored (may be empty; must have the schema's columns).
 * @param updates Dated updates: key, tracked columns, `valid_from_ts`, optional
 * `valid_until_ts`; other columns are ignored.
 * @param options Snapshot semantics and conflict policy.
 * @returns The new dimension, with the schema's columns. Usually the stored rows in their
 * order (some with a new `valid_until_ts`/`is_current`) followed by the new versions; no
 * row order is promised (sort by `DIM_SYMBOL_SCHEMA.sortBy` when it matters).
 * @throws {Scd2ConflictError} On two different updates for one key at one time, or an update
 * differing from a stored version at the same time with `onConflict: "error"`.
 * @throws {TypeError} When a required column is missing or a key/time is null.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { emptyFrame } from "./table_schema.ts";
 * import { DIM_SYMBOL_SCHEMA } from "./dim_symbol.ts";
 * import { scd2Upsert } from "./scd2_upsert.ts";
 * const updates = emptyFrame(DIM_SYMBOL_SCHEMA);
 * if (scd2Upsert(emptyFrame(DIM_SYMBOL_SCHEMA), updates).height !== 0) throw new Error("empty");
 * ```
 */
export function scd2Upsert(
  current: DataFrame,
  updates: DataFrame,
  options: Scd2UpsertOptions = {},
): DataFrame {
  const { snapshot, onConflict = "error" } = options;
  const dim = _conformCurrent(current);
  const upd = _conformUpdates(updates);
  if (!snapshot) {
    if (upd.height === 0) return dim;
    const appended = _appendLatest(dim, upd);
    if (appended) return appended;
  }

  // 1. Keys of the batch, each with an index (cheap joins and sorts: the position of its first
  // update) and its earliest time; window expressions share one grouping of the key.
  const updK = upd.withRowIndex(_POS).withColumns(
    pl.col(_POS).min().over(_KEY[0], _KEY[1]).alias(_KID),
    pl.col("valid_from_ts").min().over(_KEY[0], _KEY[1]).alias(_MIN_TS),
  );
  const updKeys = updK.filter(pl.col(_POS).eq(pl.col(_KID))).select(_KID, ..._KEY, _MIN_TS);

  // 2. Conflicts inside the batch: distinct updates sharing (key, time).
  let updValues = _distinctUpdates(updK);

  // 3. Keys closed by a snapshot: current, in scope, absent from the list, started before it.
  let closed: pl.DataFrame | undefined;
  if (snapshot) {
    const scope = snapshot.exchangeIds ??
      (upd.getColumn("exchange_id").unique().toArray() as number[]);
    if (scope.length > 0) {
      const inScope = pl.DataFrame({ exchange_id: pl.Series("exchange_id", scope, pl.Int16) });
      closed = dim
        .filter(
          pl.col("is_current").and(pl.col("valid_from_ts").lt(int64Lit(snapshot.effectiveTs))),
        )
        .join(inScope, { on: "exchange_id", how: "semi" })
        .select(..._KEY)
        .unique()
        .join(updKeys.select(..._KEY), { on: _KEY, how: "anti" });
      if (closed.height === 0) closed = undefined;
    }
  }
  if (upd.height === 0 && !closed) return dim;

  // 4. Touched keys: the batch's and the closed ones (disjoint), with the earliest new
  // observation; the versions to rebuild are those of touched keys that end at or after it.
  // Earlier versions cannot change and stay as they are.
  if (closed) {
    closed = closed.withRowIndex(_KID, upd.height)
      .select(_KID, ..._KEY, int64Lit(snapshot!.effectiveTs).alias(_MIN_TS));
  }
  const firstTs = closed ? pl.concat([updKeys, closed]) : updKeys;
  const touched = _touchedVersions(dim, firstTs);

  // 5. Stored versions as observations, keeping their id (it depends only on key and
  // valid_from_ts), position and bound. An update restating one: identical, it is dropped;
  // different, it throws or (`"replace"`) wins, and the table is rewritten, not patched.
  let existing = touched.select(
    _KID,
    ..._KEY,
    ...TRACKED_COLUMNS,
    "valid_from_ts",
    "symbol_id",
    _ROW,
    pl.col("valid_until_ts").alias(_OLD_UNTIL),
  );
  let rewrite = false;
  if (existing.height > 0 && updValues.height > 0) {
    const clash = existing.join(updValues, { on: _ON_FROM, suffix: "_upd" });
    if (clash.height > 0) {
      const differs = clash.filter(
        pl.anyHorizontal(TRACKED_COLUMNS.map((c) => _nullSafeNe(pl.col(c), pl.col(`${c}_upd`)))),
      );
      if (differs.height > 0 && onConflict === "error") {
        _throwOnFirst(differs, "an update differing from the stored version");
      }
      rewrite = differs.height > 0;
      existing = rewrite
        ? existing.join(updValues.select(..._ON_FROM), { on: _ON_FROM, how: "anti" })
        : existing;
      updValues = rewrite
        ? updValues
        : updValues.join(existing.select(..._ON_FROM), { on: _ON_FROM, how: "anti" });
    }
  }
  const values = pl.concat([existing, updValues], { how: "diagonal" }).withColumns(
    pl.col("valid_from_ts").alias(_TS),
    pl.lit(true).alias(_KIND),
  );

  // 6. End markers: closed stored versions, updates with a bound, the snapshot's closes.
  const endParts = [
    touched.filter(pl.col("valid_until_ts").neq(int64Lit(OPEN_END_TS)))
      .select(_KID, pl.col("valid_until_ts").alias(_TS)),
  ];
  if (upd.columns.includes("valid_until_ts")) {
    endParts.push(
      updK.filter(
        pl.col("valid_until_ts").isNotNull().and(
          pl.col("valid_until_ts").neq(int64Lit(OPEN_END_TS)),
        ),
      ).select(_KID, pl.col("valid_until_ts").alias(_TS)),
    );
  }
  if (closed) endParts.push(closed.select(_KID, pl.col(_MIN_TS).alias(_TS)));
  const nonEmpty = endParts.filter((part) => part.height > 0);
  // A value observation at the same time wins over an end marker (contiguous versions).
  const ends = nonEmpty.length === 0 ? undefined : pl.concat(nonEmpty).unique()
    .join(values.select(..._ON_TS), { on: _ON_TS, how: "anti" })
    .withColumns(pl.lit(false).alias(_KIND));

  // 7. Collapse per key in time order; (key, time) is now unique.
  const events = ends
    ? pl.concat([values.drop("valid_from_ts"), ends], { how: "diagonal" })
    : values.drop("valid_from_ts");
  return _applyRebuilt(dim, touched, _collapse(events), rewrite);
}

/**
 * The common batch, without the general walk: every key at most once, no bound, every
 * update after its key's current version starts, and no closed version anywhere ending at or
 * after the batch's earliest time. Then an unchanged update is a no-op, a changed one closes
 * the current version at its time, and it opens a new current version unless unchanged: the
 * result, row order included, is the general path's. Returns `undefined` for any other batch.
 */
function _appendLatest(dim: pl.DataFrame, upd: pl.DataFrame): pl.DataFrame | undefined {
  if (upd.columns.includes("valid_until_ts") && upd.filter(_BOUNDED).height > 0) return undefined;
  // Every key at most once. Only current versions may end at or after the batch's earliest
  // time (checked over the whole table: numeric, cheaper than per key); then the versions an
  // update can touch are its key's current one, which must start before it.
  const batch = upd.lazy().select(_REPEATED_KEY, _EARLIEST).collectSync();
  if (batch.getColumn(_REPEAT).toArray()[0] !== false) return undefined;
  const earliest = batch.getColumn("valid_from_ts");
  const lateEnds = dim.lazy()
    .select(_UNTIL.gtEq(earliest).and(_IS_OPEN.not()).any().alias(_LATE_END))
    .collectSync();
  if (lateEnds.getColumn(_LATE_END).toArray()[0] !== false) return undefined;
  // Current versions of the batch's keys beside their update (key index = the update's row),
  // compared in the same query.
  const flags = dim.lazy()
    .select(..._STORED)
    .withRowIndex(_ROW)
    .filter(
      _IS_OPEN.and(pl.col("exchange_symbol").isIn(upd.getColumn("exchange_symbol").implode())),
    )
    .join(upd.lazy().select(..._NEXT).withRowIndex(_KID), { on: _KEY, how: "inner" })
    .select(..._FLAGS)
    .collectSync();
  let inserted = upd;
  let patched = dim;
  if (flags.height > 0) {
    if (!flags.getColumn(_KEEP).all()) return undefined;
    patched = _patchBounds(dim, flags.lazy().filter(_CHANGED).select(..._NEW_BOUNDS).collectSync());
    const unchanged = flags.lazy().filter(_SAME).select(_KID).collectSync().getColumn(_KID);
    if (unchanged.len() > 0) {
      // Lazily: an eager row index costs more than the whole filter.
      inserted = upd.lazy().withRowIndex(_KID)
        .filter(_KID_COL.isIn(unchanged.implode()).not())
        .collectSync();
    }
  }
  if (inserted.height === 0) return patched;
  // New current versions in one projection (each eager call is a whole query).
  const ids = symbolIds(inserted);
  const added = inserted.lazy()
    .select(..._OUT_COLUMNS.map((c) => c === "symbol_id" ? ids : _NEW_VERSION.get(c) ?? c))
    .collectSync();
  return pl.concat([patched, added], { how: "vertical", rechunk: false });
}

/**
 * Distinct value rows of the batch (key, tracked columns, `valid_from_ts`); throws
 * {@linkcode Scd2ConflictError} when two of them share key and time.
 */
function _distinctUpdates(updK: pl.DataFrame): pl.DataFrame {
  const values = updK.select(_KID, ..._KEY, ...TRACKED_COLUMNS, "valid_from_ts");
  if (values.height < 2) return values;
  // Usually (key, time) is unique already and the rows are distinct as they are.
  if (values.select(..._ON_FROM).unique().height === values.height) return values;
  const distinct = values.unique();
  _throwOnDuplicates(distinct, "different updates");
  return distinct;
}

/**
 * Rows of `dim` to rebuild: versions of a key in `firstTs` whose `valid_until_ts` is at or
 * after the key's earliest new observation (`_MIN_TS`), with their position in `dim` (`_ROW`)
 * and key index (`_KID`). A symbol filter narrows the table before the key join, the join runs
 * on the few columns it needs, and only the matching rows are gathered in full.
 */
function _touchedVersions(dim: pl.DataFrame, firstTs: pl.DataFrame): pl.DataFrame {
  const hits = dim.lazy()
    .select(..._KEY, "valid_until_ts")
    .withRowIndex(_ROW)
    .filter(pl.col("exchange_symbol").isIn(firstTs.getColumn("exchange_symbol").implode()))
    .join(firstTs.lazy(), { on: _KEY, how: "inner" })
    .filter(pl.col("valid_until_ts").gtEq(pl.col(_MIN_TS)))
    .select(_ROW, _KID)
    .collectSync();
  const rows = hits.getColumn(_ROW);
  return dim.select(pl.all().gather(rows)).withColumns(rows, hits.getColumn(_KID));
}

/**
 * Replace the `touched` rows of `dim` by the rebuilt `versions`. In the common case every
 * stored version survives with its values (`rewrite` false, each carries its `_ROW`): only
 * `valid_until_ts`/`is_current` of some rows change, which is patched column-wise (no copy
 * of the other columns), and new versions are appended. Otherwise the touched rows are
 * filtered out and all rebuilt ones appended. No rechunk: copying the untouched rows would
 * cost more than the rest of the upsert.
 */
function _applyRebuilt(
  dim: pl.DataFrame,
  touched: pl.DataFrame,
  versions: pl.DataFrame,
  rewrite: boolean,
): pl.DataFrame {
  const concat = (a: pl.DataFrame, b: pl.DataFrame) =>
    b.height === 0 ? a : pl.concat([a, b], { how: "vertical", rechunk: false });
  const rows = versions.getColumn(_ROW);
  const survivors = rows.len() - rows.nullCount();
  if (rewrite || survivors < touched.height) {
    const gone = touched.getColumn("symbol_id").implode();
    return concat(dim.filter(pl.col("symbol_id").isIn(gone).not()), _withIds(versions));
  }
  const inserted = _withIds(versions.filter(pl.col(_ROW).isNull()));
  const bounds = versions.select(_ROW, "valid_until_ts", _OLD_UNTIL).filter(
    pl.col(_ROW).isNotNull().and(pl.col("valid_until_ts").neq(pl.col(_OLD_UNTIL))),
  ).select(_ROW, "valid_until_ts");
  if (bounds.height === 0) return concat(dim, inserted);
  return concat(_patchBounds(dim, bounds), inserted);
}

/**
 * `dim` with the `valid_until_ts` of the rows at `bounds[_ROW]` set to
 * `bounds.valid_until_ts`, and `is_current` of those rows following it.
 */
function _patchBounds(dim: pl.DataFrame, bounds: pl.DataFrame): pl.DataFrame {
  if (bounds.height === 0) return dim;
  // Patch by position. `scatter` writes into a copy of the column (the stored frame is
  // untouched); given a Series of values it assigns them in order (nodejs-polars pads the
  // values it is given, the padding is never read).
  const until = dim.getColumn("valid_until_ts").clone().alias(_NEW_UNTIL);
  until.scatter(bounds.getColumn(_ROW), bounds.getColumn("valid_until_ts"));
  return dim.lazy().withColumns(until).withColumns(..._PATCH).drop(_NEW_UNTIL).collectSync();
}

/** `versions` with a `symbol_id` for the new ones, in the schema's columns. */
function _withIds(versions: pl.DataFrame): pl.DataFrame {
  const ids = versions.getColumn("symbol_id");
  if (ids.nullCount() === 0) return versions.select(..._OUT_COLUMNS);
  if (ids.nullCount() === ids.len()) {
    return versions.withColumns(symbolIds(versions)).select(..._OUT_COLUMNS);
  }
  const known = versions.filter(pl.col("symbol_id").isNotNull());
  const fresh = versions.filter(pl.col("symbol_id").isNull());
  return pl.concat([
    known.select(..._OUT_COLUMNS),
    fresh.withColumns(symbolIds(fresh)).select(..._OUT_COLUMNS),
  ], { how: "vertical", rechunk: false });
}

/**
 * Walk observations in (key index, time) order: absorb repeats, drop redundant ends, derive
 * bounds. `(key, time)` must be unique. Returns the versions with the working columns.
 */
function _collapse(events: pl.DataFrame): pl.DataFrame {
  const sameKeyAsPrev = pl.col(_KID).eq(pl.col(_KID).shift(1)).fillNull(false);
  const prevIsValue = pl.col(_KIND).shift(1).fillNull(false);
  // Struct equality compares fields null-safely (null equals null, not a value), in one
  // kernel instead of five per column.
  const tracked = pl.struct(TRACKED_COLUMNS.map((c) => pl.col(c)));
  const sameAsPrev = tracked.eq(tracked.shift(1)).fillNull(false);
  // A value is kept unless the previous observation of the key is an equal value; an end is
  // kept only right after a value (the key is listed at that point).
  const keep = pl.when(pl.col(_KIND))
    .then(sameKeyAsPrev.and(prevIsValue).and(sameAsPrev).not())
    .otherwise(sameKeyAsPrev.and(prevIsValue));
  const kept = pl.col(_KEEP);
  // The bound of a kept value is the time of the next kept observation of its key.
  const nextKept = (c: string) =>
    pl.when(kept).then(pl.col(c)).otherwise(pl.lit(null)).shift(-1).backwardFill();
  // One lazy plan, one materialisation, one filter; every step is order-aware.
  return events.lazy()
    .sort([_KID, _TS])
    .withColumns(keep.alias(_KEEP))
    .withColumns(nextKept(_KID).alias(_NEXT_KID), nextKept(_TS).alias(_NEXT_TS))
    .filter(kept.and(pl.col(_KIND)))
    .withColumns(
      pl.when(pl.col(_NEXT_KID).eq(pl.col(_KID))).then(pl.col(_NEXT_TS))
        .otherwise(int64Lit(OPEN_END_TS))
        .cast(pl.Int64)
        .alias("valid_until_ts"),
      pl.col(_TS).alias("valid_from_ts"),
    )
    .withColumns(pl.col("valid_until_ts").eq(int64Lit(OPEN_END_TS)).alias("is_current"))
    .collectSync();
}

/** `a` and `b` differ, treating two nulls as equal and null vs value as different. */
function _nullSafeNe(a: pl.Expr, b: pl.Expr): pl.Expr {
  // `neq` is null when either side is null; then they differ iff exactly one is null.
  return a.neq(b).fillNull(a.isNull().neq(b.isNull()));
}

function _throwOnDuplicates(values: pl.DataFrame, what: string): void {
  if (values.height < 2) return;
  const dup = values.groupBy([..._KEY, "valid_from_ts"]).len().filter(pl.col("len").gt(1));
  _throwOnFirst(dup, what);
}

function _throwOnFirst(rows: pl.DataFrame, what: string): void {
  if (rows.height === 0) return;
  const first = rows.sort([..._KEY, "valid_from_ts"]).head(1);
  const from = (first.getColumn("valid_from_ts").toTypedArray() as BigInt64Array)[0];
  throw new Scd2ConflictError(
    first.getColumn("exchange_id").toArray()[0] as number,
    first.getColumn("exchange_symbol").toArray()[0] as string,
    from,
    { what, conflicts: rows.height },
  );
}

function _cast(name: string): pl.Expr {
  const spec = DIM_SYMBOL_SCHEMA.columns.find((c) => c.name === name)!;
  return pl.col(name).cast(polarsType(spec.type));
}

function _conformCurrent(current: pl.DataFrame): pl.DataFrame {
  const columns = current.columns;
  const missing = _OUT_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new TypeError(
      `Cannot upsert dim_symbol: the current table lacks ${
        missing.map((c) => `"${c}"`).join(", ")
      }`,
    );
  }
  const dtypes = current.dtypes;
  const fits = _OUT_COLUMNS.every((c) => dtypes[columns.indexOf(c)].equals(_dtype(c)));
  return fits ? current.select(..._OUT_COLUMNS) : current.select(..._OUT_COLUMNS.map(_cast));
}

function _dtype(name: string): pl.DataType {
  return polarsType(DIM_SYMBOL_SCHEMA.columns.find((c) => c.name === name)!.type);
}

function _conformUpdates(updates: pl.DataFrame): pl.DataFrame {
  const columns = updates.columns;
  const missing = UPDATE_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new TypeError(
      `Cannot upsert dim_symbol: updates lack ${missing.map((c) => `"${c}"`).join(", ")}`,
    );
  }
  const cols = [...UPDATE_COLUMNS];
  if (columns.includes("valid_until_ts")) cols.push("valid_until_ts");
  const dtypes = updates.dtypes;
  const fits = cols.every((c) => dtypes[columns.indexOf(c)].equals(_dtype(c)));
  const out = fits ? updates.select(...cols) : updates.select(...cols.map(_cast));
  for (const name of [..._KEY, "valid_from_ts"]) {
    if (out.getColumn(name).nullCount() > 0) {
      throw new TypeError(`Cannot upsert dim_symbol: updates have null values in "${name}"`);
    }
  }
  if (cols.includes("valid_until_ts")) {
    const bad = out.filter(pl.col("valid_until_ts").ltEq(pl.col("valid_from_ts")));
    if (bad.height > 0) {
      throw new TypeError(
        `Cannot upsert dim_symbol: ${bad.height} update(s) have valid_until_ts <= valid_from_ts`,
      );
    }
  }
  return out;
}
