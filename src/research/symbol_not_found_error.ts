/**
 * The error the research API throws for a symbol it cannot resolve.
 *
 * @module
 */

/** A symbol (or symbol id) that `dim_symbol` does not hold, or holds for no time asked for. */
export class SymbolNotFoundError extends Error {
  /** The exchange searched. */
  readonly exchange: string;
  /** The exchange symbol, or the symbol id as text. */
  readonly symbol: string;
  /**
   * Create the error.
   *
   * @param exchange The exchange searched.
   * @param symbol The symbol or id looked for.
   * @param message What was looked for and what exists.
   * @param options Standard error options (`cause`).
   */
  constructor(exchange: string, symbol: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SymbolNotFoundError";
    this.exchange = exchange;
    this.symbol = symbol;
  }
}
