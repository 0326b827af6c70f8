import assert from "node:assert/strict";
import { LocalStorage } from "../../src/io/delta/local_storage.ts";
import { bronzeSourceFor } from "../../src/io/delta_lake.ts";
import { LocalBronzeSource } from "../../src/io/local_bronze_source.ts";
import { ObjectStorageBronzeSource } from "../../src/io/object_storage_bronze_source.ts";
import type { BronzeFileMetadata, BronzeSource } from "../../src/io/protocols.ts";
import { writeSampleBronze } from "../../src/sample/sample_bronze.ts";
import { startMoto } from "../_moto.ts";

async function listAll(source: BronzeSource, glob = "**") {
  const files: BronzeFileMetadata[] = [];
  const unmatched: string[] = [];
  for await (
    const f of source.listFiles(glob, { onUnmatched: (u) => unmatched.push(u.bronze_path) })
  ) files.push(f);
  return { files, unmatched };
}

/** What must agree between sources: everything but the modification time. */
function identity(f: BronzeFileMetadata) {
  const { last_modified_ts: _t, ...rest } = f;
  return rest;
}

Deno.test("ObjectStorageBronzeSource on S3 lists both layouts like the local source, with the same sha256", async () => {
  const moto = await startMoto();
  const dir = await Deno.makeTempDir({ prefix: "pointline_bronze_" });
  try {
    const bucket = await moto.createBucket();
    const s3 = new ObjectStorageBronzeSource(await moto.storage(`s3://${bucket}/lake/bronze`));
    const sample = await writeSampleBronze(s3.storage, { rows: 20 });
    await writeSampleBronze(new LocalStorage(dir), { rows: 20 });
    const junk = new TextEncoder().encode("not a vendor file");
    await s3.storage.put("notes/readme.txt", junk);
    await Deno.mkdir(`${dir}/notes`);
    await Deno.writeFile(`${dir}/notes/readme.txt`, junk);

    const remote = await listAll(s3);
    const local = await listAll(new LocalBronzeSource(dir));
    assert.equal(remote.files.length, sample.files.length);
    assert.deepEqual(remote.files.map(identity), local.files.map(identity));
    assert.deepEqual(remote.unmatched, ["notes/readme.txt"], "unmatched keys are reported");
    assert.ok(remote.files.every((f) => f.last_modified_ts > 0));
    assert.ok(remote.files.some((f) => f.bronze_path.startsWith("tardis/exchange=")));
    assert.ok(remote.files.some((f) => f.bronze_path.startsWith("datasets/")));

    const one = remote.files[0];
    const bytes = await s3.readFile(one.bronze_path);
    assert.equal(bytes.length, one.file_size_bytes);
    const streamed = new Uint8Array(
      await new Response(await s3.openStream(one.bronze_path)).arrayBuffer(),
    );
    assert.deepEqual(streamed, bytes);
    await assert.rejects(() => s3.readFile("../other/x.csv.gz"), RangeError);

    const trades = await listAll(s3, "**/*_trades_*");
    assert.ok(trades.files.length > 0 && trades.files.every((f) => f.data_type === "trades"));

    // a bronze root in another bucket, through the lake's factory and the AWS variables
    const other = await moto.createBucket();
    const elsewhere = bronzeSourceFor(`s3://${other}/vendor`, moto.storageOptions());
    assert.equal(elsewhere.root, `s3://${other}/vendor`);
    assert.deepEqual((await listAll(elsewhere)).files, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await moto.stop();
  }
});
