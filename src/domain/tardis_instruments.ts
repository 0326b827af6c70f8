/**
 * Tardis.dev `/v1/instruments` answers to dated `dim_symbol` versions.
 *
 * Field mapping (one instrument object):
 * - `exchange` → `exchange` (registry name) and `exchange_id` (an unknown exchange throws);
 * - `datasetId`, else `id` → `exchange_symbol`;
 * - `baseCurrency` → `base_asset`, `quoteCurrency` → `quote_asset`;
 * - `type` (`spot`, `perpetual`, `future`, `option`, `combo`) → `asset_type` 0..4;
 * - `priceIncrement` → `tick_size` and `price_increment`; `amountIncrement` → `lot_size` and
 *   `amount_increment`; `contractMultiplier` → `contract_size` (default 1);
 * - `expiry` (ISO 8601) → `expiry_ts` (µs), null when absent;
 * - `availableSince` → `valid_from_ts` of the earliest version (else `effectiveTs`).
 *
 * History: each `changes[]` entry `{until, ...fields}` gives the values that held **before**
 * `until`. Walking the entries from the latest `until` backwards, each one overrides the
 * values of the version after it, so a field a change does not mention keeps its later value.
 * This gives versions `[availableSince, until_1)`, `[until_1, until_2)`, ...,
 * `[until_n, open end)`. Changes of untracked fields only (fees, `minTradeAmount`) produce
 * no version: consecutive equal versions are merged. Changes whose `until` is at or before
 * `availableSince` describe time before the listing and are ignored.
 *
 * `effectiveTs` is when the answer was fetched: the values are known to hold then. A change
 * with `until` after it is an error. An inactive instrument (`active: false`) with an expiry
 * at or before `effectiveTs` gets its last version closed at the expiry; any other instrument
 * stays open (delisting of absent symbols is `scd2Upsert`'s snapshot option).
 *
 * @example
 * ```ts
 * import { fromTardisInstruments } from "./tardis_instruments.ts";
 * const versions = fromTardisInstruments({
 *   id: "BTC_USDC",
 *   exchange: "deribit",
 *   baseCurrency: "BTC",
 *   quoteCurrency: "USDC",
 *   type: "spot",
 *   availableSince: "2023-04-24T00:00:00.000Z",
 *   priceIncrement: 1,
 *   amountIncrement: 0.0001,
 *   changes: [{ until: "2024-04-02T12:10:00.000Z", priceIncrement: 0.01 }],
 * }, { effectiveTs: 1735689600000000n });
 * if (versions.height !== 2) throw new Error("one change gives two versions");
 * if (versions.getColumn("tick_size").toArray().join() !== "0.01,1") throw new Error("unrolled");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { int64Series } from "./int64.ts";
import type { DataFrame } from "../polars_types.ts";
import { ASSET_TYPES, type AssetType, OPEN_END_TS, TRACKED_COLUMNS } from "./dim_symbol.ts";
import { exchangeId, normalizeExchange } from "./exchanges.ts";

/** Options of {@linkcode fromTardisInstruments}. */
export interface FromTardisInstrumentsOptions {
  /** When the answer was fetched (µs since epoch, UTC). No default: it must be given. */
  effectiveTs: bigint;
}

/** The tracked values of one version, before they become columns. */
interface _Values {
  exchange: string;
  base_asset: string | null;
  quote_asset: string | null;
  asset_type: number;
  tick_size: number | null;
  lot_size: number | null;
  price_increment: number | null;
  amount_increment: number | null;
  contract_size: number;
  expiry_ts: number | null;
}

interface _Version {
  exchangeId: number;
  symbol: string;
  values: _Values;
  from: bigint;
  until: bigint;
}

/**
 * Dated `dim_symbol` versions from Tardis `/v1/instruments` objects.
 *
 * @param json One instrument object, an array of them, or their JSON text.
 * @param options `effectiveTs`: when the answer was fetched.
 * @returns Rows with the key, tracked columns, `valid_from_ts` and `valid_until_ts` (the
 * open end unless closed), sorted by key and time; feed them to `scd2Upsert` or
 * `rebuildFromHistory`.
 * @throws {TypeError} When an instrument lacks a required field or has an unparsable date.
 * @throws {RangeError} On an unknown `type`, or a change dated after `effectiveTs`.
 * @throws {UnknownExchangeError} When the exchange is not in the registry.
 * @example
 * ```ts
 * import { fromTardisInstruments } from "./tardis_instruments.ts";
 * const rows = fromTardisInstruments([
 *   { id: "BTCUSDT", exchange: "binance", baseCurrency: "BTC", quoteCurrency: "USDT",
 *     type: "spot", availableSince: "2019-01-01T00:00:00Z", priceIncrement: 0.01,
 *     amountIncrement: 0.00001 },
 * ], { effectiveTs: 1700000000000000n });
 * if (rows.getColumn("exchange_id").toArray()[0] !== 1) throw new Error("binance is 1");
 * ```
 */
export function fromTardisInstruments(
  json: unknown,
  options: FromTardisInstrumentsOptions,
): DataFrame {
  const { effectiveTs } = options;
  if (typeof effectiveTs !== "bigint") {
    throw new TypeError("Cannot map Tardis instruments: options.effectiveTs must be a bigint (µs)");
  }
  const parsed = typeof json === "string" ? JSON.parse(json) : json;
  const instruments = Array.isArray(parsed) ? parsed : [parsed];
  const versions: _Version[] = [];
  for (const raw of instruments) versions.push(..._versionsOf(raw, effectiveTs));
  versions.sort((a, b) =>
    a.exchangeId - b.exchangeId || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) ||
    (a.from < b.from ? -1 : a.from > b.from ? 1 : 0)
  );
  return _toFrame(versions);
}

function _versionsOf(raw: unknown, effectiveTs: bigint): _Version[] {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new TypeError(`Cannot map Tardis instrument: expected an object, got ${typeof raw}`);
  }
  const inst = raw as Record<string, unknown>;
  const symbol = inst.datasetId ?? inst.id;
  if (typeof symbol !== "string" || symbol === "") {
    throw new TypeError(`Cannot map Tardis instrument: it has neither "datasetId" nor "id"`);
  }
  if (typeof inst.exchange !== "string") {
    throw new TypeError(`Cannot map Tardis instrument "${symbol}": "exchange" is missing`);
  }
  const exId = exchangeId(inst.exchange);
  const from = inst.availableSince === undefined || inst.availableSince === null
    ? effectiveTs
    : _isoToUs(inst.availableSince, symbol, "availableSince");

  const changes = Array.isArray(inst.changes) ? [...inst.changes] as Record<string, unknown>[] : [];
  const dated = changes
    .map((c) => ({ until: _isoToUs(c?.until, symbol, "changes[].until"), fields: c }))
    .sort((a, b) => (a.until < b.until ? -1 : a.until > b.until ? 1 : 0));
  for (const c of dated) {
    if (c.until > effectiveTs) {
      throw new RangeError(
        `Cannot map Tardis instrument "${symbol}": a change until ${c.until} is after ` +
          `effectiveTs ${effectiveTs}`,
      );
    }
  }

  // Walk backwards: the latest segment holds the current values.
  const segments: { from: bigint; until: bigint; values: _Values }[] = [];
  let state: Record<string, unknown> = { ...inst };
  let until = OPEN_END_TS;
  for (let i = dated.length - 1; i >= 0; i--) {
    const start = dated[i].until;
    if (start <= from) break;
    segments.push({ from: start, until, values: _values(state, symbol) });
    state = { ...state, ...dated[i].fields };
    until = start;
  }
  segments.push({ from, until, values: _values(state, symbol) });
  segments.reverse();

  // Merge consecutive versions whose tracked values are equal (untracked-only changes).
  const merged: typeof segments = [];
  for (const seg of segments) {
    const last = merged[merged.length - 1];
    if (last && _sameValues(last.values, seg.values)) last.until = seg.until;
    else merged.push({ ...seg });
  }
  // An expired, inactive instrument ends at its expiry.
  const last = merged[merged.length - 1];
  const expiry = last.values.expiry_ts === null ? null : BigInt(last.values.expiry_ts);
  if (inst.active === false && expiry !== null && expiry <= effectiveTs && expiry > last.from) {
    last.until = expiry;
  }
  return merged.map((s) => ({
    exchangeId: exId,
    symbol,
    values: s.values,
    from: s.from,
    until: s.until,
  }));
}

function _values(inst: Record<string, unknown>, symbol: string): _Values {
  const type = inst.type;
  if (typeof type !== "string" || !(type in ASSET_TYPES)) {
    throw new RangeError(
      `Cannot map Tardis instrument "${symbol}": unknown type "${String(type)}" ` +
        `(expected one of ${Object.keys(ASSET_TYPES).join(", ")})`,
    );
  }
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const price = num(inst.priceIncrement);
  const amount = num(inst.amountIncrement);
  const expiry = inst.expiry === undefined || inst.expiry === null
    ? null
    : Number(_isoToUs(inst.expiry, symbol, "expiry"));
  return {
    exchange: normalizeExchange(String(inst.exchange)),
    base_asset: str(inst.baseCurrency),
    quote_asset: str(inst.quoteCurrency),
    asset_type: ASSET_TYPES[type as AssetType],
    tick_size: price,
    lot_size: amount,
    price_increment: price,
    amount_increment: amount,
    contract_size: num(inst.contractMultiplier) ?? 1,
    expiry_ts: expiry,
  };
}

function _sameValues(a: _Values, b: _Values): boolean {
  return TRACKED_COLUMNS.every((c) => a[c as keyof _Values] === b[c as keyof _Values]);
}

function _isoToUs(value: unknown, symbol: string, field: string): bigint {
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new TypeError(
      `Cannot map Tardis instrument "${symbol}": ${field} "${
        String(value)
      }" is not an ISO 8601 date`,
    );
  }
  return BigInt(ms) * 1000n;
}

function _toFrame(versions: readonly _Version[]): pl.DataFrame {
  const col = <K extends keyof _Values>(k: K) => versions.map((v) => v.values[k]);
  return pl.DataFrame({
    exchange_id: pl.Series("exchange_id", versions.map((v) => v.exchangeId), pl.Int16),
    exchange_symbol: pl.Series("exchange_symbol", versions.map((v) => v.symbol), pl.Utf8),
    exchange: pl.Series("exchange", col("exchange"), pl.Utf8),
    base_asset: pl.Series("base_asset", col("base_asset"), pl.Utf8),
    quote_asset: pl.Series("quote_asset", col("quote_asset"), pl.Utf8),
    asset_type: pl.Series("asset_type", col("asset_type"), pl.Int8),
    tick_size: pl.Series("tick_size", col("tick_size"), pl.Float64),
    lot_size: pl.Series("lot_size", col("lot_size"), pl.Float64),
    price_increment: pl.Series("price_increment", col("price_increment"), pl.Float64),
    amount_increment: pl.Series("amount_increment", col("amount_increment"), pl.Float64),
    contract_size: pl.Series("contract_size", col("contract_size"), pl.Float64),
    expiry_ts: pl.Series("expiry_ts", col("expiry_ts"), pl.Int64),
    valid_from_ts: int64Series("valid_from_ts", versions.map((v) => v.from)),
    valid_until_ts: int64Series("valid_until_ts", versions.map((v) => v.until)),
  });
}
