/**
 * dim_symbol benchmarks (issue 3), each against an in-run Polars baseline:
 * - `scd2Upsert` of 10,000 updates (half changed, a quarter new, a quarter unchanged) into a
 *   100,000-key, 300,000-row dimension vs a plain left join of the same two frames
 *   (target: at most 3x). These updates all follow the stored history, the common batch;
 *   the same batch dated inside history (late data, the general walk) is measured too, for
 *   reference only;
 * - `resolveSymbolIds` of 5,000,000 events against that dimension vs a bare `joinAsof` on the
 *   same frames (target: at most 1.5x).
 *
 * Data is built once at module load with a fixed seed.
 *
 * @module
 */
import pl from "nodejs-polars";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS } from "../src/domain/dim_symbol.ts";
import { resolveSymbolIds } from "../src/domain/resolve_symbol_ids.ts";
import { scd2Upsert } from "../src/domain/scd2_upsert.ts";
import { symbolIds } from "../src/domain/symbol_id.ts";

const KEYS = 100_000;
const VERSIONS = 3;
const UPDATES = 10_000;
const EVENTS = 5_000_000;
const DAY_US = 86_400_000_000;
const T0 = 1_577_836_800_000_000; // 2020-01-01

let seed = 42;
function _rand(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

function _int64(name: string, values: ArrayLike<number | bigint>): pl.Series {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return pl.Series(name, out as unknown as number[]);
}

function _dim(): pl.DataFrame {
  const n = KEYS * VERSIONS;
  const ex: number[] = new Array(n);
  const sym: string[] = new Array(n);
  const from: number[] = new Array(n);
  const until: bigint[] = new Array(n);
  const tick: number[] = new Array(n);
  for (let k = 0; k < KEYS; k++) {
    for (let v = 0; v < VERSIONS; v++) {
      const i = k * VERSIONS + v;
      ex[i] = 1 + (k % 20);
      sym[i] = `SYM${k}`;
      from[i] = T0 + v * 30 * DAY_US;
      until[i] = v === VERSIONS - 1 ? OPEN_END_TS : BigInt(T0 + (v + 1) * 30 * DAY_US);
      tick[i] = [0.1, 0.5, 0.01][v];
    }
  }
  const base = pl.DataFrame({
    exchange_id: pl.Series("exchange_id", ex, pl.Int16),
    exchange: pl.Series("exchange", ex.map((e) => `ex${e}`), pl.Utf8),
    exchange_symbol: pl.Series("exchange_symbol", sym, pl.Utf8),
    base_asset: pl.Series("base_asset", sym.map(() => "BTC"), pl.Utf8),
    quote_asset: pl.Series("quote_asset", sym.map(() => "USDT"), pl.Utf8),
    asset_type: pl.Series("asset_type", ex.map(() => 1), pl.Int8),
    tick_size: pl.Series("tick_size", tick, pl.Float64),
    lot_size: pl.Series("lot_size", tick.map(() => 0.001), pl.Float64),
    price_increment: pl.Series("price_increment", tick, pl.Float64),
    amount_increment: pl.Series("amount_increment", tick.map(() => 0.001), pl.Float64),
    contract_size: pl.Series("contract_size", tick.map(() => 1), pl.Float64),
    expiry_ts: pl.Series("expiry_ts", tick.map(() => null), pl.Int64),
    valid_from_ts: _int64("valid_from_ts", from),
    valid_until_ts: _int64("valid_until_ts", until),
  });
  return base
    .withColumns(
      symbolIds(base),
      pl.col("valid_until_ts").eq(pl.lit(OPEN_END_TS).cast(pl.Int64)).alias("is_current"),
    )
    .select(...DIM_SYMBOL_SCHEMA.columns.map((c) => c.name));
}

/** Half changed, a quarter new keys, a quarter unchanged; all after the current version. */
function _updates(dim: pl.DataFrame): pl.DataFrame {
  // Every 13th key, so the touched keys spread over the table.
  const current = dim.filter(pl.col("is_current")).gatherEvery(13).head(UPDATES * 3 / 4);
  const changed = current.head(UPDATES / 2).withColumns(pl.lit(0.25).alias("tick_size"));
  const unchanged = current.tail(UPDATES / 4);
  const fresh = current.head(UPDATES / 4).withColumns(
    pl.concatString([pl.col("exchange_symbol"), pl.lit("_NEW")], "").alias("exchange_symbol"),
  );
  return pl.concat([changed, unchanged, fresh])
    .drop("symbol_id", "valid_until_ts", "is_current")
    .withColumns(pl.lit(T0 + 120 * DAY_US).cast(pl.Int64).alias("valid_from_ts"));
}

function _events(): pl.DataFrame {
  const ts = new BigInt64Array(EVENTS);
  const ex = new Int16Array(EVENTS);
  const sym: string[] = new Array(EVENTS);
  const span = 150 * DAY_US;
  for (let i = 0; i < EVENTS; i++) {
    ts[i] = BigInt(T0 + Math.floor((i / EVENTS) * span));
    const k = Math.floor(_rand() * KEYS);
    ex[i] = 1 + (k % 20);
    sym[i] = `SYM${k}`;
  }
  return pl.DataFrame({
    ts_local_us: pl.Series("ts_local_us", ts as unknown as number[]),
    exchange_id: pl.Series("exchange_id", ex as unknown as number[], pl.Int16),
    exchange_symbol: pl.Series("exchange_symbol", sym, pl.Utf8),
    price: pl.Series("price", new Float64Array(EVENTS).fill(100.5) as unknown as number[]),
  });
}

const DIM = _dim();
const DIM_SORTED = DIM.sort("valid_from_ts");
const UPDATE_FRAME = _updates(DIM);
// The same batch dated inside the second version of every key: splits, no target.
const LATE_FRAME = UPDATE_FRAME.withColumns(
  pl.lit(T0 + 45 * DAY_US).cast(pl.Int64).alias("valid_from_ts"),
);
const EVENT_FRAME = _events();

// Sanity checks so the benchmark measures the intended work.
{
  const out = scd2Upsert(DIM, UPDATE_FRAME);
  const expectedRows = KEYS * VERSIONS + UPDATES / 2 + UPDATES / 4;
  if (out.height !== expectedRows) {
    throw new Error(`scd2Upsert gave ${out.height} rows, expected ${expectedRows}`);
  }
  const { resolved, unresolved } = resolveSymbolIds(EVENT_FRAME, DIM);
  if (resolved.height !== EVENTS || unresolved.height !== 0) {
    throw new Error(`resolveSymbolIds resolved ${resolved.height} of ${EVENTS}`);
  }
}

/**
 * Median over interleaved pairs of `candidate / baseline` wall time. Alternating the two
 * cancels slow drifts of machine load that skew sequential runs, and swapping which one runs
 * first in every other pair cancels the cost of freeing the previous call's memory.
 */
function _interleavedRatio(baseline: () => unknown, candidate: () => unknown, pairs: number) {
  const timed = (f: () => unknown) => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      const b = timed(baseline);
      ratios.push(timed(candidate) / b);
    } else {
      const c = timed(candidate);
      ratios.push(c / timed(baseline));
    }
  }
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)];
}

const _leftJoin = () =>
  DIM.join(UPDATE_FRAME, { on: ["exchange_id", "exchange_symbol"], how: "left" });
const _upsert = () => scd2Upsert(DIM, UPDATE_FRAME);
const _upsertLate = () => scd2Upsert(DIM, LATE_FRAME);
const _asof = () =>
  EVENT_FRAME.joinAsof(DIM_SORTED, {
    leftOn: "ts_local_us",
    rightOn: "valid_from_ts",
    by: ["exchange_id", "exchange_symbol"],
    checkSortedness: false,
  });
// The same join with only the columns resolveSymbolIds keeps: isolates its own overhead.
const DIM_NARROW = DIM_SORTED.select(
  "exchange_id",
  "exchange_symbol",
  "valid_from_ts",
  "valid_until_ts",
  "symbol_id",
  "price_increment",
  "amount_increment",
);
const _asofNarrow = () =>
  EVENT_FRAME.joinAsof(DIM_NARROW, {
    leftOn: "ts_local_us",
    rightOn: "valid_from_ts",
    by: ["exchange_id", "exchange_symbol"],
    checkSortedness: false,
  });
const _resolve = () => resolveSymbolIds(EVENT_FRAME, DIM);
console.log(
  `interleaved median ratio, scd2Upsert / left join: ` +
    `${_interleavedRatio(_leftJoin, _upsert, 16).toFixed(2)}x (target <= 3x)`,
);
console.log(
  `interleaved median ratio, resolveSymbolIds / joinAsof: ` +
    `${_interleavedRatio(_asof, _resolve, 6).toFixed(2)}x (target <= 1.5x)`,
);
console.log(
  `interleaved median ratio, resolveSymbolIds / joinAsof on the projected dim: ` +
    `${_interleavedRatio(_asofNarrow, _resolve, 6).toFixed(2)}x`,
);

Deno.bench({
  name: "polars left join (dim x updates)",
  group: "scd2Upsert 10k into 300k rows",
  baseline: true,
  n: 20,
  warmup: 3,
  fn: () => {
    _leftJoin();
  },
});

Deno.bench({
  name: "scd2Upsert",
  group: "scd2Upsert 10k into 300k rows",
  n: 20,
  warmup: 3,
  fn: () => {
    _upsert();
  },
});

Deno.bench({
  name: "polars left join (dim x updates)",
  group: "scd2Upsert 10k late updates into 300k rows (reference)",
  baseline: true,
  n: 20,
  warmup: 3,
  fn: () => {
    _leftJoin();
  },
});

Deno.bench({
  name: "scd2Upsert, updates inside history",
  group: "scd2Upsert 10k late updates into 300k rows (reference)",
  n: 20,
  warmup: 3,
  fn: () => {
    _upsertLate();
  },
});

Deno.bench({
  name: "bare joinAsof (events x dim)",
  group: "resolveSymbolIds 5M events",
  baseline: true,
  n: 5,
  warmup: 1,
  fn: () => {
    _asof();
  },
});

Deno.bench({
  name: "resolveSymbolIds",
  group: "resolveSymbolIds 5M events",
  n: 5,
  warmup: 1,
  fn: () => {
    _resolve();
  },
});

Deno.bench({
  name: "bare joinAsof, dim projected to the resolved columns",
  group: "resolveSymbolIds 5M events",
  n: 5,
  warmup: 1,
  fn: () => {
    _asofNarrow();
  },
});
