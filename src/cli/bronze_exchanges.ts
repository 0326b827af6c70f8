/**
 * `ingest --exchange` names only exchanges that have files in the bronze folder: a filter that
 * can match nothing is a user mistake, reported with the exchanges that are there.
 *
 * @module
 */
import type { BronzeSource } from "../io/protocols.ts";
import { UserError } from "./user_error.ts";

/**
 * The exchanges of the recognised files in a bronze folder (read from the paths; nothing is
 * hashed or opened).
 *
 * @param source The bronze source.
 * @returns Exchange names, sorted.
 * @example
 * ```ts
 * import { LocalBronzeSource } from "../io/local_bronze_source.ts";
 * import { bronzeExchanges } from "./bronze_exchanges.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/deribit_trades_2024-07-31_BTC-PERPETUAL.csv.gz`, new Uint8Array());
 * const found = await bronzeExchanges(new LocalBronzeSource(dir));
 * await Deno.remove(dir, { recursive: true });
 * if (found.join() !== "deribit") throw new Error(found.join());
 * ```
 */
export async function bronzeExchanges(source: BronzeSource): Promise<string[]> {
  const found = new Set<string>();
  const files = source.listFiles("**", {
    filter: (candidate) => {
      found.add(candidate.exchange);
      return false; // only the path is needed: skip hashing
    },
  });
  for await (const _ of files) { /* the filter keeps nothing */ }
  return [...found].sort();
}

/**
 * Check that every `--exchange` value has files in the bronze folder.
 *
 * @param source The bronze source.
 * @param exchanges The `--exchange` values (normalised names).
 * @throws {UserError} Naming the exchanges without files and the exchanges the folder has.
 * @example
 * ```ts
 * import { LocalBronzeSource } from "../io/local_bronze_source.ts";
 * import { checkBronzeExchanges } from "./bronze_exchanges.ts";
 * const dir = await Deno.makeTempDir();
 * let message = "";
 * await checkBronzeExchanges(new LocalBronzeSource(dir), ["binance"]).catch((e) => (message = e.message));
 * await Deno.remove(dir, { recursive: true });
 * if (!message.includes("has no files")) throw new Error(message);
 * ```
 */
export async function checkBronzeExchanges(
  source: BronzeSource,
  exchanges: readonly string[],
): Promise<void> {
  const present = await bronzeExchanges(source);
  const missing = exchanges.map((e) => e.trim().toLowerCase()).filter((e) => !present.includes(e));
  if (missing.length === 0) return;
  throw new UserError(
    `No bronze files for --exchange ${missing.map((e) => `"${e}"`).join(", ")}: the bronze ` +
      (present.length > 0
        ? `folder has files of ${present.map((e) => `"${e}"`).join(", ")}`
        : "folder has no files in a bronze layout"),
  );
}
