import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { EVENT_TABLES } from "../../src/domain/event_tables.ts";
import { transformTardisFile } from "../../src/domain/event_table.ts";
import { fromTardisInstruments } from "../../src/domain/tardis_instruments.ts";
import { rebuildFromHistory } from "../../src/domain/rebuild_from_history.ts";
import { parseBronzePath } from "../../src/io/bronze_layout.ts";
import {
  SAMPLE_DATA_TYPES,
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  SAMPLE_TICK_CHANGE_US,
  TARDIS_HEADERS,
  writeSampleBronze,
} from "../../src/sample/sample_bronze.ts";

async function hashes(dir: string, files: string[]) {
  const out: string[] = [];
  for (const f of files) {
    out.push(createHash("sha256").update(await Deno.readFile(`${dir}/${f}`)).digest("hex"));
  }
  return out;
}

Deno.test("writeSampleBronze is deterministic and covers every data type in both layouts", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    const ra = await writeSampleBronze(a, { rows: 40 });
    const rb = await writeSampleBronze(b, { rows: 40 });
    assert.deepEqual(ra.files, rb.files);
    assert.deepEqual(await hashes(a, ra.files), await hashes(b, rb.files), "same bytes every time");
    assert.equal(ra.files.length, 36);
    const parsed = ra.files.map((f) => parseBronzePath(f));
    assert.ok(parsed.every((p) => p.ok));
    const infos = parsed.map((p) => p.ok ? p.info : undefined!);
    assert.deepEqual(
      [...new Set(infos.map((i) => i.data_type))].sort(),
      [...SAMPLE_DATA_TYPES].sort(),
    );
    assert.deepEqual([...new Set(infos.map((i) => i.layout))].sort(), ["flat", "hive"]);
    for (const f of ra.files) {
      const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(`${a}/${f}`)));
      const type = infos[ra.files.indexOf(f)].data_type as keyof typeof TARDIS_HEADERS;
      assert.equal(text.split("\n")[0], TARDIS_HEADERS[type], f);
    }
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("every sample row passes the domain rules against the sample's own instruments", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const res = await writeSampleBronze(dir, { rows: 60 });
    const dim = rebuildFromHistory(
      fromTardisInstruments(res.instruments, {
        effectiveTs: BigInt(SAMPLE_INSTRUMENTS_EFFECTIVE_US),
      }),
    );
    assert.equal(dim.height, 4, "3 instruments, BTCUSDT with a tick change");
    const from = dim.getColumn("valid_from_ts").toArray().map(Number);
    assert.ok(from.includes(SAMPLE_TICK_CHANGE_US), "the change starts a version inside the range");
    let fileId = 1;
    for (const f of res.files) {
      const p = parseBronzePath(f);
      if (!p.ok) throw new Error(p.reason);
      const out = transformTardisFile(
        EVENT_TABLES[p.info.data_type],
        gunzipSync(await Deno.readFile(`${dir}/${f}`)),
        {
          fileId: fileId++,
          exchange: p.info.exchange,
          date: p.info.date,
          dim,
        },
      );
      assert.equal(
        out.quarantined.height,
        0,
        `${f}: ${out.quarantined.head(1).toRecords()[0]?.rule}`,
      );
      assert.ok(out.rows.height > 0, f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
