/**
 * The jobs on an `s3://` lake (moto): `demo` writes its sample bronze to the lake's S3 bronze
 * prefix (never to a local folder named `s3:`) and ingests it; `lake` and `dim-symbol` work on
 * the same lake; a location storage cannot open is one user error; no secret is printed.
 */
import assert from "node:assert/strict";
import { startMoto } from "../_moto.ts";
import { storageForUri } from "../../src/io/delta/storage_for_uri.ts";
import { loadTrades } from "../../src/research/load_events.ts";
import { openLake } from "../../src/research/open_lake.ts";

const dec = new TextDecoder();

async function job(script: string, args: string[], env: Record<string, string>, cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../../tasks/${script}`, import.meta.url).pathname, ...args],
    env,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("jobs on an s3:// lake: demo writes bronze to S3 and ingests it; lake, dim-symbol and the research API work there", async () => {
  const moto = await startMoto();
  const cwd = await Deno.makeTempDir({ prefix: "pointline_s3_jobs_" });
  try {
    const env = moto.storageOptions();
    const root = `s3://${await moto.createBucket()}/demo`;
    const secret = env.AWS_SECRET_ACCESS_KEY;

    const demo = await job("demo.ts", ["--lake", root, "--rows", "5"], env, cwd);
    assert.equal(demo.code, 0, demo.stderr + demo.stdout);
    assert.match(demo.stdout, new RegExp(`Sample bronze: 36 files in ${root}/bronze`));
    assert.match(demo.stdout, /success\s+36/);
    assert.deepEqual([...Deno.readDirSync(cwd)], [], "nothing written to the working folder");
    const bronze = await storageForUri(`${root}/bronze`, { storageOptions: env }).list("");
    assert.equal(bronze.length, 37, "36 data files and the instruments file in the bucket");

    // the research API reads the same lake with storage options (no AWS variables here)
    const lake = openLake(root, { storageOptions: env });
    assert.ok((await lake.tables()).includes("trades"));
    const counts = await lake.sql("SELECT count(*) AS n FROM trades");
    assert.ok(Number(counts.getColumn("n").get(0)) > 0);
    const trades = await loadTrades({
      exchange: "binance-futures",
      symbol: "BTCUSDT",
      start: "2024-07-30",
      end: "2024-08-01",
      root,
      storageOptions: env,
    });
    assert.ok(trades.height > 0, "loadTrades reads the S3 lake");

    const history = await job("lake.ts", ["history", "trades", "--lake", root], env, cwd);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /WRITE|CREATE TABLE/);

    const rebuild = await job("dim_symbol.ts", ["rebuild", "--lake", root], env, cwd);
    assert.equal(rebuild.code, 0, rebuild.stderr);
    assert.match(rebuild.stdout, /dim_symbol rebuilt from 1 file/);

    const bad = await job("ingest.ts", ["--lake", "gs://bucket/lake"], env, cwd);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /^error: Invalid --lake "gs:\/\/bucket\/lake": .*not supported/);

    const help = await job("ingest.ts", ["--help"], env, cwd);
    assert.match(help.stdout, /--lake DIR\|URI/);
    assert.match(help.stdout, /--bronze DIR\|URI/);
    for (const r of [demo, history, rebuild, bad, help]) {
      assert.ok(!(r.stdout + r.stderr).includes(secret), "no secret in job output");
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
    await moto.stop();
  }
});
