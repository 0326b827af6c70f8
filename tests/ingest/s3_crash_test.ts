/**
 * Crash consistency on S3 (moto): `deno task ingest --lake s3://...` is killed with SIGKILL at
 * random points, then re-run to completion; every silver table must equal one clean run.
 * The bronze files live once in the bucket (`--bronze`), each trial gets its own lake prefix
 * holding a copy of a synced dim_symbol. Each trial kills a real job process, then completes the
 * ingest in-process (the same services the job runs; one process start-up less per trial).
 * Trials run three at a time. `S3_CRASH_TRIALS` sets their number: 30 by default, as the
 * issue asks (a trial costs about 8 s of moto round trips on a 2-core machine, about 2 minutes
 * in all); set it lower for a quick local run.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { buildIngestion } from "../../src/services/build_ingestion.ts";
import { startMoto } from "../_moto.ts";
import { diffTables, killIngestAfter, sampleFile, snapshotTables, taskCommand } from "./_lake.ts";
import { copyS3Prefix, makeS3Lake, putS3Bronze } from "./_s3_lake.ts";

const TRIALS = Number(Deno.env.get("S3_CRASH_TRIALS") ?? 30);
const PARALLEL = Number(Deno.env.get("S3_CRASH_PARALLEL") ?? 3);
const FILES = 3;

Deno.test(`S3 crash consistency: ${TRIALS} kill -9 trials of ingest on an s3:// lake, each re-run equals one clean run`, async () => {
  const moto = await startMoto();
  try {
    const template = await makeS3Lake(moto, { prefix: "template" });
    const { storageOptions } = template;
    const files = [
      sampleFile("trades", "BTCUSDT", "2024-07-30", 15),
      sampleFile("quotes", "BTCUSDT", "2024-07-30", 15),
      sampleFile("trades", "ETHUSDT", "2024-07-31", 15),
    ];
    for (const f of files) await putS3Bronze(template, f.path, f.csv);
    const bronze = `${template.root}/bronze`;
    const bucketRoot = template.root.slice(0, template.root.lastIndexOf("/"));
    const job = (root: string) =>
      taskCommand("ingest.ts", ["--lake", root, "--bronze", bronze], storageOptions);
    const fresh = async (name: string) => {
      const root = `${bucketRoot}/${name}`;
      await copyS3Prefix(`${template.root}/silver`, `${root}/silver`, storageOptions);
      return root;
    };
    const lakeOf = (root: string) => openDeltaLake(root, { storageOptions, bronzeDir: bronze });
    const complete = async (root: string) => {
      const result = await buildIngestion(lakeOf(root)).ingestion.run();
      assert.equal(result.byStatus.failed, 0, JSON.stringify(result.files.map((f) => f.message)));
    };

    const clean = await fresh("clean");
    const t0 = performance.now();
    const cleanRun = await job(clean).output();
    assert.equal(cleanRun.code, 0, new TextDecoder().decode(cleanRun.stderr));
    const cleanMs = performance.now() - t0;
    const perFileMs = cleanMs / (2 * FILES); // about half the run is start-up
    const expected = await snapshotTables(lakeOf(clean));
    assert.equal(expected.manifest.height, FILES);
    assert.deepEqual([...new Set(expected.manifest.getColumn("status").toArray())], ["success"]);

    let killedMidway = 0;
    const doneAtKill: number[] = [];
    const trial = async (i: number) => {
      const root = await fresh(`trial${i}`);
      const child = job(root).spawn();
      // kill point: after k finished files plus a random delay within one file's time;
      // k = 0 kills anywhere from start-up on
      const k = Math.floor(Math.random() * FILES);
      const status = await killIngestAfter(child, k, { perFileMs, anyMs: cleanMs });
      if (status.signal === "SIGKILL") killedMidway++;
      const partial = await lakeOf(root).manifest.readAll();
      doneAtKill.push(
        partial.height === 0 ? 0 : partial.filter(pl.col("status").eq(pl.lit("success"))).height,
      );
      await complete(root);
      const diff = diffTables(expected, await snapshotTables(lakeOf(root)));
      assert.deepEqual(diff, [], `trial ${i} differs: ${diff.join(", ")}`);
    };
    for (let i = 0; i < TRIALS; i += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, TRIALS - i) }, (_, j) => trial(i + j));
      for (const r of await Promise.allSettled(batch)) if (r.status === "rejected") throw r.reason;
    }
    console.log(`files done at kill time: ${doneAtKill.sort((a, b) => a - b).join(",")}`);
    assert.ok(
      killedMidway >= TRIALS / 2,
      `only ${killedMidway} of ${TRIALS} runs were killed mid-way`,
    );
    if (TRIALS >= 10) {
      const inside = doneAtKill.filter((d) => d > 0 && d < FILES).length;
      assert.ok(inside >= 2, `only ${inside} trials were killed between the first and last file`);
    }
  } finally {
    await moto.stop();
  }
});
