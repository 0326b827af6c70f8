import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS, validateDimSymbol } from "../../src/domain/dim_symbol.ts";
import { rebuildFromHistory } from "../../src/domain/rebuild_from_history.ts";
import { Scd2ConflictError, scd2Upsert } from "../../src/domain/scd2_upsert.ts";
import { symbolId } from "../../src/domain/symbol_id.ts";
import { emptyFrame } from "../../src/domain/table_schema.ts";
import { seededRandom } from "../../src/sample/seeded_random.ts";
import { bigints, type UpdateRow, updatesFrame, versions } from "./_dim_symbol_helpers.ts";

function shuffle<T>(items: readonly T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const TICKS = [0.1, 0.5, null];
const SYMBOLS = ["A", "B", "C"];

/** A random history: unique (key, time) pairs, a few repeats, nulls and delistings. */
function randomHistory(rnd: () => number, withEnds: boolean): UpdateRow[] {
  const rows: UpdateRow[] = [];
  for (const sym of SYMBOLS) {
    const times = new Set<number>();
    const n = 1 + Math.floor(rnd() * 8);
    while (times.size < n) times.add(Math.floor(rnd() * 100) * 10);
    for (const ts of times) {
      const row: UpdateRow = {
        exchange_id: 1 + Math.floor(rnd() * 2),
        exchange_symbol: sym,
        valid_from_ts: BigInt(ts),
        tick_size: TICKS[Math.floor(rnd() * TICKS.length)],
      };
      if (withEnds && rnd() < 0.15) row.valid_until_ts = BigInt(ts + 1 + Math.floor(rnd() * 50));
      rows.push(row);
      if (rnd() < 0.2) rows.push({ ...row }); // identical duplicate
    }
  }
  return rows;
}

/** Brute-force reference of the SCD2 fold, written independently of the Polars code. */
function referenceVersions(rows: readonly UpdateRow[]) {
  const byKey = new Map<string, { values: Map<bigint, unknown>; ends: Set<bigint> }>();
  for (const r of rows) {
    const key = `${r.exchange_id}|${r.exchange_symbol}`;
    const entry = byKey.get(key) ?? { values: new Map(), ends: new Set() };
    entry.values.set(r.valid_from_ts, r.tick_size);
    if (r.valid_until_ts !== undefined) entry.ends.add(r.valid_until_ts);
    byKey.set(key, entry);
  }
  const out: { key: string; from: bigint; until: bigint; current: boolean; tick_size: unknown }[] =
    [];
  for (const key of [...byKey.keys()].sort()) {
    const { values, ends } = byKey.get(key)!;
    const times = [...new Set([...values.keys(), ...ends])].sort((a, b) => (a < b ? -1 : 1));
    let open: { from: bigint; tick: unknown } | null = null;
    const close = (at: bigint) => {
      if (open) {
        out.push({
          key,
          from: open.from,
          until: at,
          current: at === OPEN_END_TS,
          tick_size: open.tick,
        });
      }
    };
    for (const ts of times) {
      if (values.has(ts)) {
        const tick = values.get(ts);
        if (open && open.tick === tick) continue;
        close(ts);
        open = { from: ts, tick };
      } else if (open) {
        close(ts);
        open = null;
      }
    }
    close(OPEN_END_TS);
  }
  return out;
}

Deno.test("rebuildFromHistory", async (t) => {
  await t.step("builds contiguous versions sorted by key and time, collapsing repeats", () => {
    const dim = rebuildFromHistory(updatesFrame([
      { exchange_id: 2, exchange_symbol: "X", valid_from_ts: 300n, tick_size: 0.5 },
      { exchange_id: 2, exchange_symbol: "X", valid_from_ts: 100n },
      { exchange_id: 2, exchange_symbol: "X", valid_from_ts: 200n },
      { exchange_id: 1, exchange_symbol: "X", valid_from_ts: 100n },
    ]));
    assert.deepEqual(versions(dim, ["tick_size"]), [
      { key: "1|X", from: 100n, until: OPEN_END_TS, current: true, tick_size: 0.1 },
      { key: "2|X", from: 100n, until: 300n, current: false, tick_size: 0.1 },
      { key: "2|X", from: 300n, until: OPEN_END_TS, current: true, tick_size: 0.5 },
    ]);
    // The output is already in the schema's sort order.
    assert.ok(dim.frameEqual(dim.sort([...DIM_SYMBOL_SCHEMA.sortBy])));
    assert.deepEqual(bigints(dim, "symbol_id"), [
      symbolId(1, "X", 100n),
      symbolId(2, "X", 100n),
      symbolId(2, "X", 300n),
    ]);
  });

  await t.step(
    "gives the same table for any order of the same updates (120 seeded permutations)",
    () => {
      const rnd = seededRandom(20240601);
      for (let c = 0; c < 20; c++) {
        const rows = randomHistory(rnd, true);
        const expected = rebuildFromHistory(updatesFrame(rows));
        assert.deepEqual(versions(expected, ["tick_size"]), referenceVersions(rows), `case ${c}`);
        assert.deepEqual(validateDimSymbol(expected), [], `case ${c} is a valid dim_symbol`);
        for (let p = 0; p < 8; p++) {
          const got = rebuildFromHistory(updatesFrame(shuffle(rows, rnd)));
          assert.ok(got.frameEqual(expected, true), `case ${c}, permutation ${p}`);
        }
      }
    },
  );

  await t.step("equals incremental scd2Upsert batches applied in time order", () => {
    const rnd = seededRandom(7);
    for (let c = 0; c < 20; c++) {
      const rows = randomHistory(rnd, false);
      const cut1 = 300n, cut2 = 600n;
      const batches = [
        rows.filter((r) => r.valid_from_ts < cut1),
        rows.filter((r) => r.valid_from_ts >= cut1 && r.valid_from_ts < cut2),
        rows.filter((r) => r.valid_from_ts >= cut2),
      ];
      let dim = emptyFrame(DIM_SYMBOL_SCHEMA);
      for (const batch of batches) dim = scd2Upsert(dim, updatesFrame(shuffle(batch, rnd)));
      const rebuilt = rebuildFromHistory(updatesFrame(rows));
      assert.ok(dim.sort([...DIM_SYMBOL_SCHEMA.sortBy]).frameEqual(rebuilt, true), `case ${c}`);
      assert.deepEqual(validateDimSymbol(dim), [], `case ${c} is a valid dim_symbol`);
    }
  });

  await t.step("gives a dim_symbol table back unchanged when rebuilt from itself", () => {
    const rnd = seededRandom(99);
    const dim = rebuildFromHistory(updatesFrame(randomHistory(rnd, true)));
    assert.ok(rebuildFromHistory(dim).frameEqual(dim, true));
  });

  await t.step("rejects two different versions of one key at one time", () => {
    assert.throws(
      () =>
        rebuildFromHistory(updatesFrame([
          { exchange_id: 2, exchange_symbol: "X", valid_from_ts: 100n, tick_size: 0.5 },
          { exchange_id: 2, exchange_symbol: "X", valid_from_ts: 100n, tick_size: 0.1 },
        ])),
      (e: unknown) => e instanceof Scd2ConflictError && e.exchangeSymbol === "X",
    );
  });

  await t.step("returns an empty, typed table for an empty history", () => {
    const dim = rebuildFromHistory(emptyFrame(DIM_SYMBOL_SCHEMA));
    assert.equal(dim.height, 0);
    assert.ok(dim.getColumn("valid_until_ts").dtype.equals(pl.Int64));
  });
});
