import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS, validateDimSymbol } from "../../src/domain/dim_symbol.ts";
import { rebuildFromHistory } from "../../src/domain/rebuild_from_history.ts";
import { Scd2ConflictError, scd2Upsert } from "../../src/domain/scd2_upsert.ts";
import { symbolId } from "../../src/domain/symbol_id.ts";
import { emptyFrame } from "../../src/domain/table_schema.ts";
import { seededRandom } from "../../src/sample/seeded_random.ts";
import {
  bigints,
  dimFrame,
  type UpdateRow,
  updatesFrame,
  versions,
} from "./_dim_symbol_helpers.ts";

function randomRows(rnd: () => number, n: number, withEnds: boolean): UpdateRow[] {
  const rows: UpdateRow[] = [];
  for (let i = 0; i < n; i++) {
    const from = BigInt(Math.floor(rnd() * 60) * 10 + (withEnds ? 0 : 5));
    const row: UpdateRow = {
      exchange_id: 2,
      exchange_symbol: ["A", "B", "C", "D"][Math.floor(rnd() * 4)],
      valid_from_ts: from,
      tick_size: [0.1, 0.5, null][Math.floor(rnd() * 3)],
    };
    if (withEnds && rnd() < 0.2) row.valid_until_ts = from + BigInt(1 + Math.floor(rnd() * 40));
    rows.push(row);
  }
  return rows;
}

function tryRun(f: () => pl.DataFrame): pl.DataFrame | "conflict" {
  try {
    return f();
  } catch (e) {
    if (e instanceof Scd2ConflictError) return "conflict";
    throw e;
  }
}

const EMPTY = emptyFrame(DIM_SYMBOL_SCHEMA);
const END = OPEN_END_TS;
const BTC = { exchange_id: 2, exchange_symbol: "BTCUSDT" };
const ETH = { exchange_id: 2, exchange_symbol: "ETHUSDT" };

Deno.test("scd2Upsert", async (t) => {
  await t.step("bootstraps an empty dimension with one open current version per key", () => {
    const out = scd2Upsert(EMPTY, updatesFrame([{ ...BTC, valid_from_ts: 100n }]));
    assert.deepEqual(versions(out), [{ key: "2|BTCUSDT", from: 100n, until: END, current: true }]);
    assert.deepEqual(bigints(out, "symbol_id"), [symbolId(2, "BTCUSDT", 100n)]);
    assert.deepEqual(out.columns, DIM_SYMBOL_SCHEMA.columns.map((c) => c.name));
    assert.ok(out.getColumn("exchange_id").dtype.equals(pl.Int16));
    assert.ok(out.getColumn("asset_type").dtype.equals(pl.Int8));
  });

  const base = scd2Upsert(EMPTY, updatesFrame([{ ...BTC, valid_from_ts: 100n }]));

  await t.step("leaves the table untouched when an update changes nothing", () => {
    const out = scd2Upsert(base, updatesFrame([{ ...BTC, valid_from_ts: 500n }]));
    assert.deepEqual(versions(out), versions(base));
    assert.deepEqual(bigints(out, "symbol_id"), bigints(base, "symbol_id"));
  });

  await t.step("closes the prior version when tick_size changes", () => {
    const out = scd2Upsert(
      base,
      updatesFrame([{ ...BTC, valid_from_ts: 200n, tick_size: 0.5, price_increment: 0.5 }]),
    );
    assert.deepEqual(versions(out, ["tick_size"]), [
      { key: "2|BTCUSDT", from: 100n, until: 200n, current: false, tick_size: 0.1 },
      { key: "2|BTCUSDT", from: 200n, until: END, current: true, tick_size: 0.5 },
    ]);
    assert.equal(out.getColumn("symbol_id").nUnique(), 2);
  });

  await t.step("treats null to value, value to null, and null to null null-safely", () => {
    const d0 = scd2Upsert(EMPTY, updatesFrame([{ ...BTC, valid_from_ts: 100n, expiry_ts: null }]));
    const d1 = scd2Upsert(d0, updatesFrame([{ ...BTC, valid_from_ts: 200n, expiry_ts: null }]));
    assert.equal(d1.height, 1, "null to null is no change");
    const d2 = scd2Upsert(d1, updatesFrame([{ ...BTC, valid_from_ts: 300n, expiry_ts: 999n }]));
    assert.deepEqual(versions(d2).map((v) => [v.from, v.until]), [[100n, 300n], [300n, END]]);
    const d3 = scd2Upsert(
      d2,
      updatesFrame([{ ...BTC, valid_from_ts: 400n, base_asset: null, expiry_ts: 999n }]),
    );
    assert.deepEqual(versions(d3, ["base_asset"]).map((v) => v.base_asset), ["BTC", "BTC", null]);
  });

  await t.step("handles several keys and several times per key in one batch", () => {
    const out = scd2Upsert(
      base,
      updatesFrame([
        { ...ETH, valid_from_ts: 300n, tick_size: 0.01 },
        { ...BTC, valid_from_ts: 300n, lot_size: 0.01 },
        { ...ETH, valid_from_ts: 150n },
        { ...BTC, valid_from_ts: 250n }, // unchanged: absorbed
        { ...BTC, valid_from_ts: 400n, lot_size: 0.01 }, // unchanged: absorbed
        { exchange_id: 1, exchange_symbol: "BTCUSDT", valid_from_ts: 100n },
      ]),
    );
    assert.deepEqual(versions(out).map((v) => [v.key, v.from, v.until, v.current]), [
      ["1|BTCUSDT", 100n, END, true],
      ["2|BTCUSDT", 100n, 300n, false],
      ["2|BTCUSDT", 300n, END, true],
      ["2|ETHUSDT", 150n, 300n, false],
      ["2|ETHUSDT", 300n, END, true],
    ]);
  });

  await t.step("splits the covering version for a late update inside history", () => {
    const hist = scd2Upsert(
      base,
      updatesFrame([{ ...BTC, valid_from_ts: 300n, tick_size: 0.5 }]),
    );
    const out = scd2Upsert(hist, updatesFrame([{ ...BTC, valid_from_ts: 200n, tick_size: 0.2 }]));
    assert.deepEqual(versions(out, ["tick_size"]), [
      { key: "2|BTCUSDT", from: 100n, until: 200n, current: false, tick_size: 0.1 },
      { key: "2|BTCUSDT", from: 200n, until: 300n, current: false, tick_size: 0.2 },
      { key: "2|BTCUSDT", from: 300n, until: END, current: true, tick_size: 0.5 },
    ]);
    // Unchanged late data is a no-op.
    const same = scd2Upsert(hist, updatesFrame([{ ...BTC, valid_from_ts: 150n }]));
    assert.deepEqual(versions(same), versions(hist));
  });

  await t.step(
    "opens a version before the first one and merges a piece equal to its successor",
    () => {
      const early = scd2Upsert(base, updatesFrame([{ ...BTC, valid_from_ts: 50n, tick_size: 1 }]));
      assert.deepEqual(versions(early, ["tick_size"]).map((v) => [v.from, v.until, v.tick_size]), [
        [50n, 100n, 1],
        [100n, END, 0.1],
      ]);
      const merged = scd2Upsert(base, updatesFrame([{ ...BTC, valid_from_ts: 50n }]));
      assert.deepEqual(versions(merged).map((v) => [v.from, v.until]), [[50n, END]]);
      assert.deepEqual(bigints(merged, "symbol_id"), [symbolId(2, "BTCUSDT", 50n)]);
    },
  );

  await t.step(
    "never creates a zero-length version or duplicate id at the current version's start",
    () => {
      const out = scd2Upsert(base, updatesFrame([{ ...BTC, valid_from_ts: 100n }]));
      assert.deepEqual(versions(out), versions(base));
    },
  );

  await t.step("rejects two different updates for one key at one time, naming the key", () => {
    const batch = updatesFrame([
      { ...BTC, valid_from_ts: 200n, tick_size: 0.5 },
      { ...BTC, valid_from_ts: 200n, tick_size: 0.2 },
      { ...ETH, valid_from_ts: 200n },
      { ...ETH, valid_from_ts: 200n }, // identical duplicate: harmless
    ]);
    assert.throws(
      () => scd2Upsert(base, batch),
      (e: unknown) =>
        e instanceof Scd2ConflictError && e.exchangeId === 2 && e.exchangeSymbol === "BTCUSDT" &&
        e.validFromTs === 200n && e.conflicts === 1 &&
        /\(2, "BTCUSDT"\) at valid_from_ts 200/.test(e.message),
    );
    const ok = scd2Upsert(base, batch.filter(pl.col("exchange_symbol").eq(pl.lit("ETHUSDT"))));
    assert.equal(ok.height, 2);
  });

  await t.step(
    "rejects an update that differs from a stored version at the same time unless replacing",
    () => {
      const upd = updatesFrame([{ ...BTC, valid_from_ts: 100n, tick_size: 0.5 }]);
      assert.throws(
        () => scd2Upsert(base, upd),
        (e: unknown) =>
          e instanceof Scd2ConflictError && /differing from the stored version/.test(e.message),
      );
      const replaced = scd2Upsert(base, upd, { onConflict: "replace" });
      assert.deepEqual(versions(replaced, ["tick_size"]), [
        { key: "2|BTCUSDT", from: 100n, until: END, current: true, tick_size: 0.5 },
      ]);
    },
  );

  await t.step("closes absent keys on a snapshot, scoped to the snapshot's exchanges", () => {
    const dim = dimFrame([
      { ...BTC, valid_from_ts: 100n },
      { ...ETH, valid_from_ts: 100n },
      { exchange_id: 1, exchange_symbol: "BTCUSDT", valid_from_ts: 100n },
    ]);
    const out = scd2Upsert(dim, updatesFrame([{ ...BTC, valid_from_ts: 500n }]), {
      snapshot: { effectiveTs: 500n },
    });
    assert.deepEqual(versions(out).map((v) => [v.key, v.from, v.until, v.current]), [
      ["1|BTCUSDT", 100n, END, true], // exchange 1 is not in the snapshot
      ["2|BTCUSDT", 100n, END, true],
      ["2|ETHUSDT", 100n, 500n, false], // delisted
    ]);
    // Explicit scope: an empty list for exchange 1 delists its keys.
    const out1 = scd2Upsert(dim, updatesFrame([]), {
      snapshot: { effectiveTs: 600n, exchangeIds: [1] },
    });
    assert.deepEqual(versions(out1).map((v) => [v.key, v.until]), [
      ["1|BTCUSDT", 600n],
      ["2|BTCUSDT", END],
      ["2|ETHUSDT", END],
    ]);
    // Without the option, absence means nothing.
    const plain = scd2Upsert(dim, updatesFrame([{ ...BTC, valid_from_ts: 500n }]));
    assert.equal(plain.filter(pl.col("is_current")).height, 3);
  });

  await t.step("opens a new version when a delisted key reappears, keeping the gap", () => {
    const delisted = dimFrame([{ ...ETH, valid_from_ts: 100n, valid_until_ts: 500n }]);
    const back = scd2Upsert(delisted, updatesFrame([{ ...ETH, valid_from_ts: 700n }]));
    assert.deepEqual(versions(back).map((v) => [v.from, v.until, v.current]), [
      [100n, 500n, false],
      [700n, END, true],
    ]);
    // Reappearing exactly at the close time continues the version.
    const cont = scd2Upsert(delisted, updatesFrame([{ ...ETH, valid_from_ts: 500n }]));
    assert.deepEqual(versions(cont).map((v) => [v.from, v.until]), [[100n, END]]);
    // A late update inside the closed version splits it and keeps the close.
    const split = scd2Upsert(
      delisted,
      updatesFrame([{ ...ETH, valid_from_ts: 300n, tick_size: 9 }]),
    );
    assert.deepEqual(versions(split).map((v) => [v.from, v.until]), [[100n, 300n], [300n, 500n]]);
  });

  await t.step("reads valid_until_ts on updates as a delisting", () => {
    const out = scd2Upsert(
      base,
      updatesFrame([{ ...BTC, valid_from_ts: 300n, valid_until_ts: 400n, lot_size: 1 }]),
    );
    assert.deepEqual(versions(out).map((v) => [v.from, v.until, v.current]), [
      [100n, 300n, false],
      [300n, 400n, false],
    ]);
    assert.throws(
      () => scd2Upsert(base, updatesFrame([{ ...BTC, valid_from_ts: 300n, valid_until_ts: 300n }])),
      /valid_until_ts <= valid_from_ts/,
    );
  });

  await t.step("passes rows of untouched keys through unchanged", () => {
    const dim = dimFrame([{ ...ETH, valid_from_ts: 1n, tick_size: null }, {
      ...BTC,
      valid_from_ts: 5n,
    }]);
    const out = scd2Upsert(dim, updatesFrame([{ ...BTC, valid_from_ts: 9n, lot_size: 2 }]));
    const eth = out.filter(pl.col("exchange_symbol").eq(pl.lit("ETHUSDT")));
    assert.ok(eth.frameEqual(dim.filter(pl.col("exchange_symbol").eq(pl.lit("ETHUSDT"))), true));
  });

  await t.step("rejects updates missing a tracked column or with a null key", () => {
    assert.throws(
      () => scd2Upsert(base, updatesFrame([{ ...BTC, valid_from_ts: 1n }]).drop("lot_size")),
      (e: unknown) => e instanceof TypeError && /updates lack "lot_size"/.test(e.message),
    );
    const nullKey = updatesFrame([{ ...BTC, valid_from_ts: 1n }]).withColumns(
      pl.lit(null).cast(pl.Utf8).alias("exchange_symbol"),
    );
    assert.throws(() => scd2Upsert(base, nullKey), /null values in "exchange_symbol"/);
  });

  await t.step(
    "equals a full rebuild from the stored versions plus the batch (seeded property)",
    () => {
      const rnd = seededRandom(1234);
      let compared = 0;
      for (let c = 0; c < 40; c++) {
        const stored = tryRun(() => rebuildFromHistory(updatesFrame(randomRows(rnd, 12, true))));
        if (stored === "conflict") continue;
        // Late, early and current-time updates mixed, never at a stored valid_from_ts.
        const batch = updatesFrame(randomRows(rnd, 6, false));
        const upserted = tryRun(() => scd2Upsert(stored, batch));
        const rebuilt = tryRun(() =>
          rebuildFromHistory(
            pl.concat([
              stored.select(...batch.columns, "valid_until_ts"),
              batch.withColumns(pl.lit(OPEN_END_TS).cast(pl.Int64).alias("valid_until_ts")),
            ]),
          )
        );
        if (upserted === "conflict" || rebuilt === "conflict") {
          assert.equal(upserted, rebuilt, `case ${c}: both must refuse the batch`);
          continue;
        }
        assert.deepEqual(
          versions(upserted, ["tick_size"]),
          versions(rebuilt, ["tick_size"]),
          `case ${c}`,
        );
        assert.deepEqual(validateDimSymbol(upserted), [], `case ${c} is valid`);
        compared++;
      }
      assert.ok(compared >= 20, `only ${compared} cases compared`);
    },
  );
  await t.step(
    "gives a one-update-per-key batch the same table, row order included, as the general " +
      "walk (seeded property)",
    () => {
      // A batch naming each key once, with no bound, may skip the general walk when every
      // update lies after its key's history. Appending an identical duplicate of a row (a
      // no-op by the rules) forces the walk, so both paths meet on the same input.
      const rnd = seededRandom(99);
      let compared = 0;
      let appends = 0;
      for (let c = 0; c < 40; c++) {
        const stored = tryRun(() => rebuildFromHistory(updatesFrame(randomRows(rnd, 12, true))));
        if (stored === "conflict") continue;
        const keys = ["A", "B", "C", "D", "E"].filter(() => rnd() < 0.7);
        if (keys.length === 0) continue;
        // Mostly after the stored history (which ends by 630), sometimes inside it.
        const rows: UpdateRow[] = keys.map((k) => ({
          exchange_id: 2,
          exchange_symbol: k,
          valid_from_ts: BigInt(
            rnd() < 0.75 ? 700 + Math.floor(rnd() * 30) : Math.floor(rnd() * 60) * 10 + 5,
          ),
          tick_size: [0.1, 0.5, null][Math.floor(rnd() * 3)],
        }));
        const batch = updatesFrame(rows);
        const fast = tryRun(() => scd2Upsert(stored, batch));
        const walked = tryRun(() => scd2Upsert(stored, pl.concat([batch, batch.head(1)])));
        if (fast === "conflict" || walked === "conflict") {
          assert.equal(fast, walked, `case ${c}: both must refuse the batch`);
          continue;
        }
        assert.ok(fast.frameEqual(walked, true), `case ${c}: same rows in the same order`);
        assert.deepEqual(validateDimSymbol(fast), [], `case ${c} is valid`);
        compared++;
        if (rows.every((r) => r.valid_from_ts >= 700n)) appends++;
      }
      assert.ok(compared >= 20, `only ${compared} cases compared`);
      assert.ok(appends >= 8, `only ${appends} append-only batches`);
    },
  );
});
