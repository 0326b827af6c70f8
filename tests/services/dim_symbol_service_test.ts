import assert from "node:assert/strict";
import type pl from "nodejs-polars";
import { CommitConflictError } from "../../src/io/delta/errors.ts";
import { DeltaDimSymbolRepo } from "../../src/io/delta_dim_symbol_repo.ts";
import type { TableRepository } from "../../src/io/protocols.ts";
import { DimSymbolService } from "../../src/services/dim_symbol_service.ts";
import { fromTardisInstruments } from "../../src/domain/tardis_instruments.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";

const EFFECTIVE = BigInt(Date.UTC(2025, 0, 1) * 1000);

async function fixture(name: string) {
  return JSON.parse(await Deno.readTextFile(`${TARDIS_FIXTURES}/instrument_metadata/${name}`));
}

async function withRepo(f: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "pointline_dim_" });
  try {
    await f(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("DimSymbolService syncs Tardis instruments into SCD2 versions and is idempotent", async () => {
  await withRepo(async (root) => {
    const svc = new DimSymbolService(new DeltaDimSymbolRepo(root));
    const perp = await fixture("instrument_perpetual.json");
    const first = await svc.syncTardisInstruments(perp, { effectiveTs: EFFECTIVE });
    assert.equal(first.rowsBefore, 0);
    assert.equal(first.rowsAfter, 3, "XBTUSD: two unrolled changes of tracked columns");
    assert.equal(first.currentRows, 1);
    const again = await svc.syncTardisInstruments(perp, { effectiveTs: EFFECTIVE });
    assert.equal(again.rowsAfter, 3, "the same list changes nothing");
    const spot = await svc.syncTardisInstruments(await fixture("instrument_spot.json"), {
      effectiveTs: EFFECTIVE,
    });
    assert.equal(spot.rowsAfter, 5);
    assert.equal(spot.currentRows, 2);
  });
});

Deno.test("DimSymbolService.rebuild gives the same table as incremental syncs", async () => {
  await withRepo(async (root) => {
    const svc = new DimSymbolService(new DeltaDimSymbolRepo(root));
    const files = ["instrument_perpetual.json", "instrument_spot.json", "instrument_future.json"];
    for (const f of files) {
      await svc.syncTardisInstruments(await fixture(f), { effectiveTs: EFFECTIVE });
    }
    const incremental = (await svc.current()).sort([
      "exchange_id",
      "exchange_symbol",
      "valid_from_ts",
    ]);
    const history = [];
    for (const f of files) {
      history.push(fromTardisInstruments(await fixture(f), { effectiveTs: EFFECTIVE }));
    }
    const pl = (await import("nodejs-polars")).default;
    await svc.rebuild(pl.concat(history, { how: "diagonal" }));
    const rebuilt = (await svc.current()).sort(["exchange_id", "exchange_symbol", "valid_from_ts"]);
    assert.ok(rebuilt.frameEqual(incremental, true));
  });
});

/** A repository whose first write loses a race to another service's update. */
class RacingRepo implements TableRepository {
  raced = false;
  constructor(private inner: DeltaDimSymbolRepo, private race: () => Promise<void>) {}
  get uri() {
    return this.inner.uri;
  }
  readAll(): Promise<pl.DataFrame> {
    return this.inner.readAll();
  }
  async writeFull(df: pl.DataFrame): Promise<void> {
    if (!this.raced) {
      this.raced = true;
      await this.race();
    }
    return this.inner.writeFull(df);
  }
  merge(df: pl.DataFrame, keys: string[]): Promise<void> {
    return this.inner.merge(df, keys);
  }
}

Deno.test("DimSymbolService retries when a concurrent update lands between its read and its write", async () => {
  await withRepo(async (root) => {
    const other = new DimSymbolService(new DeltaDimSymbolRepo(root));
    const racing = new RacingRepo(new DeltaDimSymbolRepo(root), async () => {
      await other.syncTardisInstruments(await fixture("instrument_spot.json"), {
        effectiveTs: EFFECTIVE,
      });
    });
    const svc = new DimSymbolService(racing);
    const res = await svc.syncTardisInstruments(await fixture("instrument_perpetual.json"), {
      effectiveTs: EFFECTIVE,
    });
    assert.equal(res.attempts, 2, "the first write conflicted");
    const dim = await svc.current();
    assert.deepEqual(
      [...new Set(dim.getColumn("exchange_symbol").toArray())].sort(),
      ["BTC_USDC", "XBTUSD"],
      "neither update is lost",
    );
  });
});

Deno.test("DeltaDimSymbolRepo refuses a rewrite based on a stale read", async () => {
  await withRepo(async (root) => {
    const a = new DeltaDimSymbolRepo(root);
    const b = new DeltaDimSymbolRepo(root);
    const svc = new DimSymbolService(b);
    await svc.syncTardisInstruments(await fixture("instrument_spot.json"), {
      effectiveTs: EFFECTIVE,
    });
    const stale = await a.readAll();
    await svc.syncTardisInstruments(await fixture("instrument_future.json"), {
      effectiveTs: EFFECTIVE,
    });
    await assert.rejects(() => a.writeFull(stale), CommitConflictError);
  });
});
