/**
 * The exchange registry: fixed, never-reassigned `exchange_id` values.
 *
 * Names are matched lower-case and trimmed. An unknown exchange is an error, never a silent
 * default: add it here (with a new id) before ingesting its files.
 *
 * @module
 */

/** Exchange name to its stable Int16 id. Ids are never reused or reassigned. */
export const EXCHANGE_IDS: Readonly<Record<string, number>> = Object.freeze({
  "binance": 1,
  "binance-futures": 2,
  "coinbase": 3,
  "kraken": 4,
  "okx": 5,
  "huobi": 6,
  "gate": 7,
  "bitfinex": 8,
  "bitstamp": 9,
  "gemini": 10,
  "crypto-com": 11,
  "kucoin": 12,
  "binance-us": 13,
  "coinbase-pro": 14,
  "binance-coin-futures": 20,
  "deribit": 21,
  "bybit": 22,
  "okx-futures": 23,
  "bitmex": 24,
  "ftx": 25,
  "dydx": 26,
  "huobi-dm-swap": 27,
  "huobi-dm": 28,
  "huobi-dm-linear-swap": 29,
  "hyperliquid": 30,
  "okx-swap": 31,
  "okx-options": 32,
  "bybit-spot": 33,
  "bybit-options": 34,
  "binance-options": 35,
  "gate-io-futures": 36,
  "kraken-futures": 37,
  "bitfinex-derivatives": 38,
  "dydx-v4": 39,
  "coinbase-international": 40,
});

/** An exchange name that is not in the registry. */
export class UnknownExchangeError extends Error {
  /** The name as given. */
  readonly exchange: string;
  /**
   * Create the error.
   *
   * @param exchange The unknown name.
   * @param options Standard error options.
   */
  constructor(exchange: string, options?: ErrorOptions) {
    super(
      `Unknown exchange "${exchange}": expected a Tardis exchange name, one of ${
        Object.keys(EXCHANGE_IDS).join(", ")
      }`,
      options,
    );
    this.name = "UnknownExchangeError";
    this.exchange = exchange;
  }
}

/**
 * Normalise an exchange name: trimmed and lower-case.
 *
 * @param name A vendor exchange name.
 * @returns The registry form of the name.
 * @example
 * ```ts
 * import { normalizeExchange } from "./exchanges.ts";
 * if (normalizeExchange(" Binance-Futures ") !== "binance-futures") throw new Error("bad");
 * ```
 */
export function normalizeExchange(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * The stable id of an exchange.
 *
 * @param name An exchange name (any case, surrounding spaces ignored).
 * @returns Its `exchange_id`.
 * @throws {UnknownExchangeError} When the exchange is not registered.
 * @example
 * ```ts
 * import { exchangeId } from "./exchanges.ts";
 * if (exchangeId("deribit") !== 21) throw new Error("deribit is 21");
 * ```
 */
export function exchangeId(name: string): number {
  const id = EXCHANGE_IDS[normalizeExchange(name)];
  if (id === undefined) throw new UnknownExchangeError(name);
  return id;
}

/**
 * The exchange name of an id.
 *
 * @param id An `exchange_id`.
 * @returns The registered name.
 * @throws {RangeError} When no exchange has that id.
 * @example
 * ```ts
 * import { exchangeName } from "./exchanges.ts";
 * if (exchangeName(2) !== "binance-futures") throw new Error("2 is binance-futures");
 * ```
 */
export function exchangeName(id: number): string {
  for (const [name, value] of Object.entries(EXCHANGE_IDS)) if (value === id) return name;
  throw new RangeError(`No exchange has id ${id}`);
}
