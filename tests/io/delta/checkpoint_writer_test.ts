import assert from "node:assert/strict";
import pl from "nodejs-polars";
import * as arrow from "apache-arrow";
import init, * as pw from "parquet-wasm/esm";
import { createRequire } from "node:module";
import {
  checkpointPath,
  createCheckpoint,
  shouldCheckpoint,
} from "../../../src/io/delta/checkpoint_writer.ts";
import { cleanupExpiredLogs } from "../../../src/io/delta/log_cleanup.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { deleteDelta } from "../../../src/io/delta/delete_delta.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import { pythonCanImport, runPythonJson } from "../../_python_peer.ts";

await init({
  module_or_path: await Deno.readFile(
    createRequire(import.meta.url).resolve("parquet-wasm/esm/parquet_wasm_bg.wasm"),
  ),
});

async function table(): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  const df = pl.DataFrame({ p: ["a:b", null, "c"], x: [1, 2, 3] });
  await writeDelta("mem://t", df, {
    storage: s,
    partitionBy: ["p"],
    configuration: { "delta.checkpointInterval": "1000" },
    txn: { appId: "job", version: 7 },
  });
  await deleteDelta("mem://t", [["p", "=", "c"]], { storage: s });
  return s;
}

Deno.test("a checkpoint alone reproduces the snapshot (files, tombstones, txns, metadata)", async () => {
  const s = await table();
  const full = await loadSnapshot(s);
  const last = await createCheckpoint(s);
  assert.deepEqual(last, {
    version: 1,
    size: 2 + 1 + 2 + 1,
    sizeInBytes: (await s.head(checkpointPath(1))).size,
    numOfAddFiles: 2,
  });
  await s.delete("_delta_log/00000000000000000000.json");
  await s.delete("_delta_log/00000000000000000001.json");
  const fromCheckpoint = await loadSnapshot(s);
  assert.equal(fromCheckpoint.version, 1);
  assert.deepEqual(
    fromCheckpoint.files.map((f) => f.path).sort(),
    full.files.map((f) => f.path).sort(),
  );
  assert.deepEqual(
    fromCheckpoint.files.map((f) => f.partitionValues).sort((a, b) =>
      String(a.p).localeCompare(String(b.p))
    ),
    full.files.map((f) => f.partitionValues).sort((a, b) => String(a.p).localeCompare(String(b.p))),
  );
  assert.deepEqual(
    fromCheckpoint.tombstones.map((r) => r.path),
    full.tombstones.map((r) => r.path),
  );
  assert.equal(fromCheckpoint.txns.get("job")?.version, 7);
  assert.deepEqual(fromCheckpoint.metadata.configuration, { "delta.checkpointInterval": "1000" });
  assert.equal(
    fromCheckpoint.files[0].stats,
    full.files.find((f) => f.path === fromCheckpoint.files[0].path)!.stats,
  );
  const rows = await readDelta("mem://t", { storage: s });
  assert.deepEqual(rows.sort("x").getColumn("p").toArray(), ["a:b", null]);
});

Deno.test("the checkpoint uses Parquet MAP columns for partitionValues, configuration, tags and options", async () => {
  const s = await table();
  await createCheckpoint(s);
  const bytes = await s.read(checkpointPath(1));
  const t = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  const field = (path: string[]) => {
    let f = t.schema.fields.find((x) => x.name === path[0])!;
    for (const p of path.slice(1)) f = (f.type as arrow.Struct).children.find((c) => c.name === p)!;
    return f;
  };
  for (
    const p of [
      ["add", "partitionValues"],
      ["add", "tags"],
      ["remove", "partitionValues"],
      ["metaData", "configuration"],
      ["metaData", "format", "options"],
    ]
  ) {
    assert.ok(arrow.DataType.isMap(field(p).type), `${p.join(".")} is a MAP`);
  }
  assert.ok(arrow.DataType.isInt(field(["add", "size"]).type));
  assert.equal((field(["add", "size"]).type as arrow.Int).bitWidth, 64);
  assert.equal((field(["protocol", "minReaderVersion"]).type as arrow.Int).bitWidth, 32);
  const adds = [...t.getChild("add")!] as ({ path: string } | null)[];
  const paths = adds.filter((r) => r !== null).map((r) => String(r!.path));
  assert.ok(
    paths.some((p: string) => p.startsWith("p=a%253Ab/")),
    "paths are URI-encoded as in commits",
  );
});

Deno.test("shouldCheckpoint follows delta.checkpointInterval", () => {
  assert.equal(shouldCheckpoint(0, {}), false);
  assert.equal(shouldCheckpoint(100, {}), true);
  assert.equal(shouldCheckpoint(10, { "delta.checkpointInterval": "10" }), true);
  assert.equal(shouldCheckpoint(10, { "delta.checkpointInterval": "bogus" }), false);
});

Deno.test("a checkpoint skipped by a killed writer is written at the next commit, once", async () => {
  const s = new MemoryStorage();
  const opts = { storage: s, configuration: { "delta.checkpointInterval": "2" } };
  const df = pl.DataFrame({ x: [1] });
  await writeDelta("mem://t", df, opts); // v0
  await writeDelta("mem://t", df, { storage: s, mode: "append" }); // v1
  const r2 = await writeDelta("mem://t", df, { storage: s, mode: "append" }); // v2: due
  assert.equal(r2.version, 2);
  // the writer was killed before its checkpoint: remove what it wrote after the commit
  await s.delete(checkpointPath(2));
  await s.delete("_delta_log/_last_checkpoint");
  const r3 = await writeDelta("mem://t", df, { storage: s, mode: "append" }); // v3: overdue
  assert.equal(r3.version, 3);
  const names = async () => (await s.list("_delta_log/")).map((o) => o.path);
  assert.ok((await names()).includes(checkpointPath(3)), "the overdue checkpoint is written");
  assert.equal((await loadSnapshot(s)).segment.checkpoint?.version, 3);
  await writeDelta("mem://t", df, { storage: s, mode: "append" }); // v4: due again
  await writeDelta("mem://t", df, { storage: s, mode: "append" }); // v5: nothing overdue
  const cps = (await names()).filter((p) => p.includes(".checkpoint."));
  assert.deepEqual(cps, [checkpointPath(3), checkpointPath(4)]);
  assert.equal((await readDelta("mem://t", { storage: s })).height, 6);
});

Deno.test("expired logs are deleted only below a checkpoint and after logRetentionDuration", async () => {
  const s = new MemoryStorage();
  const cfg = { "delta.checkpointInterval": "2", "delta.logRetentionDuration": "interval 1 days" };
  await writeDelta("mem://t", pl.DataFrame({ x: [0] }), { storage: s, configuration: cfg });
  for (let i = 1; i <= 4; i++) {
    await writeDelta("mem://t", pl.DataFrame({ x: [i] }), { storage: s, mode: "append" });
  }
  const now = Date.now();
  assert.deepEqual(
    await cleanupExpiredLogs(s, { configuration: cfg, now }),
    [],
    "nothing expired yet",
  );
  const later = now + 2 * 86_400_000;
  const doomed = await cleanupExpiredLogs(s, { configuration: cfg, now: later, dryRun: true });
  assert.deepEqual(doomed, [
    "_delta_log/00000000000000000000.json",
    "_delta_log/00000000000000000001.json",
    "_delta_log/00000000000000000002.checkpoint.parquet",
    "_delta_log/00000000000000000002.json",
    "_delta_log/00000000000000000003.json",
  ]);
  await cleanupExpiredLogs(s, { configuration: cfg, now: later });
  const snap = await loadSnapshot(s);
  assert.equal(snap.version, 4);
  assert.equal((await readDelta("mem://t", { storage: s })).height, 5);
  const off = { ...cfg, "delta.enableExpiredLogCleanup": "false" };
  assert.deepEqual(await cleanupExpiredLogs(s, { configuration: off, now: later * 2 }), []);
});

// ---- Parquet-level conformance, checked by python pyarrow / deltalake (the reference) ----

const PEER = pythonCanImport(["deltalake", "pyarrow"]);
const PEER_NOTE = PEER ? "" : " (not run: python deltalake/pyarrow is not installed)";
if (!PEER && Deno.env.get("CI") === "true") {
  Deno.test("checkpoint: the python deltalake peer is installed (required in CI)", () => {
    throw new Error("python3 cannot import deltalake and pyarrow: pip install deltalake pyarrow");
  });
}

/** Run a python snippet with `args` as sys.argv[1:]; parse the JSON it prints. */
function python(code: string, ...args: string[]): Promise<unknown> {
  return runPythonJson({ code, args });
}

/**
 * For every MAP group of a Parquet file: its dotted path, the name of its repeated group and
 * the repetition, type and name of the group's children, as pyarrow's footer schema shows them.
 */
const MAP_LAYOUT_PY = `
import json, re, sys
import pyarrow.parquet as pq
out = {}
for f in sys.argv[1:]:
    lines = str(pq.ParquetFile(f).schema).split("\\n")
    stack, maps = [], {}
    for i, line in enumerate(lines):
        s = line.strip()
        m = re.match(r"(required|optional|repeated) group field_id=-?\\d+ (\\S+)( \\((\\w+)\\))? \\{", s)
        if m:
            stack.append(m.group(2))
            if m.group(4) == "Map":
                child = re.match(r"repeated group field_id=-?\\d+ (\\S+) \\{", lines[i + 1].strip())
                kids = [re.sub(r" field_id=-?\\d+", "", lines[i + k].strip()) for k in (2, 3)]
                maps[".".join(stack[1:])] = [child.group(1) if child else lines[i + 1].strip()] + kids
        elif s == "}":
            stack.pop()
    out[f] = maps
print(json.dumps(out))
`;

Deno.test({
  name:
    `checkpoint MAP columns use the Parquet-spec key_value layout, as Spark writes it${PEER_NOTE}`,
  ignore: !PEER,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pointline_ckpt_schema_" });
    await writeDelta(dir, pl.DataFrame({ p: ["a", "b"], x: [1, 2] }), {
      partitionBy: ["p"],
      configuration: { "delta.checkpointInterval": "1000" },
    });
    await deleteDelta(dir, [["p", "=", "b"]]); // a remove row too
    await createCheckpoint(new LocalStorage(dir));
    const mine = `${dir}/${checkpointPath(1)}`;
    // Written by Apache-Spark/3.3.1 Delta-Lake/2.1.1.
    const spark =
      `${DELTA_FIXTURES}/delta-rs/latest_not_checkpointed/_delta_log/00000000000000000002.checkpoint.parquet`;
    const layouts = await python(MAP_LAYOUT_PY, mine, spark) as Record<
      string,
      Record<string, string[]>
    >;
    const expected = [
      "key_value",
      "required binary key (String);",
      "optional binary value (String);",
    ];
    const ours = layouts[mine];
    for (const [path, layout] of Object.entries(layouts[spark])) {
      if (path in ours) assert.deepEqual(ours[path], layout, `${path} as Spark writes it`);
    }
    assert.deepEqual(ours, {
      "add.partitionValues": expected,
      "add.tags": expected,
      "remove.partitionValues": expected,
      "metaData.format.options": expected,
      "metaData.configuration": expected,
    });
    assert.ok(Object.keys(layouts[spark]).includes("add.partitionValues"), "fixture has MAPs");
  },
});

Deno.test({
  name: `delta-rs opens a pointline table from its checkpoint alone${PEER_NOTE}`,
  ignore: !PEER,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pointline_ckpt_rs_" });
    const df = pl.DataFrame({ p: ["a:b", null, "c"], x: [1, 2, 3] });
    await writeDelta(dir, df, {
      partitionBy: ["p"],
      configuration: { "delta.checkpointInterval": "1000", "custom.key": "v" },
    });
    await deleteDelta(dir, [["p", "=", "c"]]);
    await createCheckpoint(new LocalStorage(dir));
    await writeDelta(dir, pl.DataFrame({ p: ["d"], x: [4] }), { mode: "append" }); // after it
    await Deno.remove(`${dir}/_delta_log/00000000000000000000.json`);
    await Deno.remove(`${dir}/_delta_log/00000000000000000001.json`);
    const seen = await python(
      `
import json, sys
from deltalake import DeltaTable
dt = DeltaTable(sys.argv[1])
rows = sorted(dt.to_pyarrow_table().to_pylist(), key=lambda r: r["x"])
print(json.dumps({"version": dt.version(), "rows": rows,
                  "configuration": dt.metadata().configuration,
                  "partitionColumns": dt.metadata().partition_columns,
                  "files": len(dt.file_uris())}))
`,
      dir,
    ) as Record<string, unknown>;
    assert.deepEqual(seen, {
      version: 2,
      rows: [{ p: "a:b", x: 1 }, { p: null, x: 2 }, { p: "d", x: 4 }],
      configuration: { "delta.checkpointInterval": "1000", "custom.key": "v" },
      partitionColumns: ["p"],
      files: 3,
    });
  },
});
