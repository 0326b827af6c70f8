import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { OPEN_END_TS } from "../../src/domain/dim_symbol.ts";
import { UnknownExchangeError } from "../../src/domain/exchanges.ts";
import { rebuildFromHistory } from "../../src/domain/rebuild_from_history.ts";
import { fromTardisInstruments } from "../../src/domain/tardis_instruments.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";
import { bigints } from "./_dim_symbol_helpers.ts";

const DIR = `${TARDIS_FIXTURES}/instrument_metadata`;
const FETCHED = BigInt(Date.parse("2025-06-01T00:00:00Z")) * 1000n;
const us = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const load = (name: string) => JSON.parse(Deno.readTextFileSync(`${DIR}/${name}`));

function rows(df: pl.DataFrame) {
  const from = bigints(df, "valid_from_ts");
  const until = bigints(df, "valid_until_ts");
  const expiry = bigints(df, "expiry_ts");
  return df.select(
    "exchange_id",
    "exchange_symbol",
    "exchange",
    "base_asset",
    "quote_asset",
    "asset_type",
    "tick_size",
    "lot_size",
    "price_increment",
    "amount_increment",
    "contract_size",
  ).toRecords().map((r, i) => ({ ...r, expiry_ts: expiry[i], from: from[i], until: until[i] }));
}

Deno.test("fromTardisInstruments", async (t) => {
  await t.step("unrolls the bitmex XBTUSD changes[] backwards into exact versions", () => {
    const out = fromTardisInstruments(load("instrument_perpetual.json"), { effectiveTs: FETCHED });
    const common = {
      exchange_id: 24,
      exchange_symbol: "XBTUSD",
      exchange: "bitmex",
      base_asset: "BTC",
      quote_asset: "USD",
      asset_type: 1,
      contract_size: 1,
      expiry_ts: null,
    };
    // The fee-only change of 2024-10-22 is untracked: no version starts there.
    assert.deepEqual(rows(out), [
      {
        ...common,
        tick_size: 0.5,
        price_increment: 0.5,
        lot_size: 1,
        amount_increment: 1,
        from: us("2019-03-30T00:00:00Z"),
        until: us("2021-06-08T04:30:00Z"),
      },
      {
        ...common,
        tick_size: 0.5,
        price_increment: 0.5,
        lot_size: 100,
        amount_increment: 100,
        from: us("2021-06-08T04:30:00Z"),
        until: us("2024-07-31T04:00:00Z"),
      },
      {
        ...common,
        tick_size: 0.1,
        price_increment: 0.1,
        lot_size: 100,
        amount_increment: 100,
        from: us("2024-07-31T04:00:00Z"),
        until: OPEN_END_TS,
      },
    ]);
  });

  await t.step("unrolls the deribit BTC_USDC spot change into two versions", () => {
    const out = fromTardisInstruments(load("instrument_spot.json"), { effectiveTs: FETCHED });
    assert.deepEqual(
      rows(out).map((
        r,
      ) => [
        r.exchange_id,
        r.exchange_symbol,
        r.asset_type,
        r.tick_size,
        r.lot_size,
        r.from,
        r.until,
      ]),
      [
        [21, "BTC_USDC", 0, 0.01, 0.0001, us("2023-04-24T00:00:00Z"), us("2024-04-02T12:10:00Z")],
        [21, "BTC_USDC", 0, 1, 0.0001, us("2024-04-02T12:10:00Z"), OPEN_END_TS],
      ],
    );
  });

  await t.step(
    "maps every type, expiry and datasetId of the fixtures; rebuilds to 8 versions",
    () => {
      const all = [
        "instrument_combo.json",
        "instrument_future.json",
        "instrument_option.json",
        "instrument_perpetual.json",
        "instrument_spot.json",
      ].map(load);
      const out = fromTardisInstruments(all, { effectiveTs: FETCHED });
      const byType = new Map(rows(out).map((r) => [r.exchange_symbol, r]));
      assert.equal(byType.get("BTC-FS-28MAR25_PERP")!.asset_type, 4);
      assert.equal(byType.get("BTC-14FEB25")!.asset_type, 2);
      assert.equal(byType.get("BTC-14FEB25")!.expiry_ts, us("2025-02-14T08:00:00Z"));
      assert.equal(byType.get("BTC-14FEB25")!.tick_size, 2.5);
      assert.equal(byType.get("BTC-25APR25-200000-P")!.asset_type, 3);
      assert.equal(byType.get("BTC-25APR25-200000-P")!.quote_asset, "BTC");
      assert.equal(byType.get("BTC-25APR25-200000-P")!.from, us("2025-01-31T00:00:00Z"));
      assert.equal(out.height, 8);
      const dim = rebuildFromHistory(out);
      assert.equal(dim.height, 8);
      assert.equal(dim.filter(pl.col("is_current")).height, 5);
      assert.equal(dim.getColumn("symbol_id").nUnique(), 8);
    },
  );

  await t.step("accepts JSON text and a single object alike", () => {
    const text = Deno.readTextFileSync(`${DIR}/instrument_spot.json`);
    const a = fromTardisInstruments(text, { effectiveTs: FETCHED });
    const b = fromTardisInstruments(JSON.parse(text), { effectiveTs: FETCHED });
    assert.ok(a.frameEqual(b, true));
  });

  await t.step(
    "prefers datasetId over id and falls back to effectiveTs without availableSince",
    () => {
      const out = fromTardisInstruments(
        {
          id: "btcusdt",
          datasetId: "BTCUSDT",
          exchange: " Binance ",
          type: "spot",
          priceIncrement: 0.01,
        },
        { effectiveTs: 5n },
      );
      const [r] = rows(out);
      assert.equal(r.exchange_symbol, "BTCUSDT");
      assert.equal(r.exchange, "binance");
      assert.equal(r.from, 5n);
      assert.equal(r.lot_size, null);
      assert.equal(r.contract_size, 1);
    },
  );

  await t.step("closes an inactive, expired instrument at its expiry", () => {
    const future = { ...load("instrument_future.json"), active: false };
    const [r] = rows(fromTardisInstruments(future, { effectiveTs: FETCHED }));
    assert.equal(r.until, us("2025-02-14T08:00:00Z"));
    const [open] = rows(
      fromTardisInstruments(load("instrument_future.json"), { effectiveTs: FETCHED }),
    );
    assert.equal(open.until, OPEN_END_TS);
  });

  await t.step("ignores changes dated before the listing", () => {
    const spot = load("instrument_spot.json");
    spot.changes = [{ until: "2020-01-01T00:00:00.000Z", priceIncrement: 5 }, ...spot.changes];
    assert.equal(fromTardisInstruments(spot, { effectiveTs: FETCHED }).height, 2);
  });

  await t.step("rejects unknown types, unknown exchanges, bad dates and future changes", () => {
    const spot = load("instrument_spot.json");
    assert.throws(
      () => fromTardisInstruments({ ...spot, type: "swap" }, { effectiveTs: FETCHED }),
      (e: unknown) => e instanceof RangeError && /"BTC_USDC": unknown type "swap"/.test(e.message),
    );
    assert.throws(
      () => fromTardisInstruments({ ...spot, exchange: "nowhere" }, { effectiveTs: FETCHED }),
      UnknownExchangeError,
    );
    assert.throws(
      () => fromTardisInstruments({ ...spot, availableSince: "soon" }, { effectiveTs: FETCHED }),
      /availableSince "soon" is not an ISO 8601 date/,
    );
    assert.throws(
      () => fromTardisInstruments(spot, { effectiveTs: us("2024-01-01T00:00:00Z") }),
      /is after effectiveTs/,
    );
  });

  await t.step("returns an empty frame for an empty list", () => {
    const out = fromTardisInstruments([], { effectiveTs: FETCHED });
    assert.equal(out.height, 0);
    assert.equal(rebuildFromHistory(out).height, 0);
  });
});
