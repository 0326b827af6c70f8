/**
 * Test helpers for lakes on S3 (moto): the environment a job needs, a lake prefix with
 * dim_symbol synced, bronze files put into a bucket, and copies of a prefix (a "template"
 * lake copied per trial, as the local tests copy folders).
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { S3Storage } from "../../src/io/delta/s3_storage.ts";
import { s3OptionsFrom } from "../../src/io/delta/s3_options.ts";
import {
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  sampleInstruments,
} from "../../src/sample/sample_bronze.ts";
import { buildIngestion } from "../../src/services/build_ingestion.ts";
import type { Moto } from "../_moto.ts";

/**
 * A lake at an `s3://` prefix of a moto bucket. Its `storageOptions` use the AWS variable names,
 * so they are also the environment a job process needs to reach the lake.
 */
export interface S3TestLake {
  /** `s3://bucket/prefix`. */
  root: string;
  /** The storage options of the lake (delta-rs keys). */
  storageOptions: Record<string, string>;
  /** The lake's repositories. */
  lake: ReturnType<typeof openDeltaLake>;
}

/** A storage rooted at `uri` with these storage options. */
export function s3Storage(uri: string, storageOptions: Record<string, string>): S3Storage {
  return new S3Storage(uri, s3OptionsFrom(storageOptions, new Map()));
}

/** A lake at `s3://<bucket>/<prefix>`, with dim_symbol synced from the sample instruments. */
export async function makeS3Lake(
  moto: Moto,
  options: { bucket?: string; prefix?: string; dim?: boolean; endpoint?: string } = {},
): Promise<S3TestLake> {
  const bucket = options.bucket ?? await moto.createBucket();
  const root = `s3://${bucket}/${options.prefix ?? "lake"}`;
  const storageOptions = moto.storageOptions(options.endpoint);
  const lake = openDeltaLake(root, { storageOptions });
  if (options.dim ?? true) {
    await buildIngestion(lake).dimSymbol.syncTardisInstruments(sampleInstruments(), {
      effectiveTs: SAMPLE_INSTRUMENTS_EFFECTIVE_US,
    });
  }
  return { root, storageOptions, lake };
}

/** Put a bronze file under `<root>/bronze` (text is gzipped when the path ends in .gz). */
export async function putS3Bronze(
  lake: Pick<S3TestLake, "root" | "storageOptions">,
  rel: string,
  content: string,
): Promise<void> {
  const bytes = rel.endsWith(".gz")
    ? gzipSync(new TextEncoder().encode(content))
    : new TextEncoder().encode(content);
  await s3Storage(`${lake.root}/bronze`, lake.storageOptions)
    .put(rel, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      overwrite: true,
    });
}

/** Copy every object under `from` to the same key under `to` (both `s3://` prefixes). */
export async function copyS3Prefix(
  from: string,
  to: string,
  storageOptions: Record<string, string>,
): Promise<void> {
  const src = s3Storage(from, storageOptions);
  const dst = s3Storage(to, storageOptions);
  const objects = await src.list("");
  await Promise.all(objects.map(async (o) => dst.put(o.path, await src.read(o.path))));
}
