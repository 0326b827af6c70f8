/**
 * Internal: the default grouping key of one instrument in event frames.
 *
 * `symbol_id` names one `dim_symbol` version, so it changes when, say, the tick size does;
 * `exchange_symbol` (added by the loaders) does not. Joins and bars group by instrument.
 *
 * @module
 */

/**
 * The instrument key the given frames all have: `exchange_id` + `exchange_symbol`, else
 * `exchange_symbol`, else `symbol_id`, else none.
 *
 * @param columnLists The column names of each frame.
 * @returns The key columns.
 */
export function _instrumentKey(...columnLists: string[][]): string[] {
  const all = (cols: string[]) => columnLists.every((list) => cols.every((c) => list.includes(c)));
  for (const key of [["exchange_id", "exchange_symbol"], ["exchange_symbol"], ["symbol_id"]]) {
    if (all(key)) return key;
  }
  return [];
}
