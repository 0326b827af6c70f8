/**
 * Test helpers of the Delta reader tests: build small tables action by action (the reader
 * is what is tested, so logs are written directly as JSON).
 *
 * @module
 */
import type pl from "nodejs-polars";
import type {
  AddAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
} from "../../../src/io/delta/actions.ts";
import type { ObjectMeta, ObjectStorage } from "../../../src/io/delta/storage.ts";

/** A 20-digit commit file key. */
export function commitKey(version: number): string {
  return `_delta_log/${String(version).padStart(20, "0")}.json`;
}

/** Write one commit of actions (objects like `{ add: {...} }`). */
export async function writeCommit(
  storage: ObjectStorage,
  version: number,
  actions: unknown[],
): Promise<void> {
  const text = actions.map((a) => JSON.stringify(a)).join("\n") + "\n";
  await storage.put(commitKey(version), new TextEncoder().encode(text));
}

/** A protocol action. */
export function protocol(
  minReaderVersion = 1,
  minWriterVersion = 2,
  features: { readerFeatures?: string[]; writerFeatures?: string[] } = {},
): { protocol: ProtocolAction } {
  return { protocol: { minReaderVersion, minWriterVersion, ...features } };
}

/** A schema field. */
export function field(
  name: string,
  type: unknown,
  metadata: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name, type, nullable: true, metadata };
}

/** A metaData action. */
export function metadata(
  fields: Record<string, unknown>[],
  options: { partitionColumns?: string[]; configuration?: Record<string, string> } = {},
): { metaData: MetadataAction } {
  return {
    metaData: {
      id: "00000000-0000-0000-0000-000000000000",
      format: { provider: "parquet", options: {} },
      schemaString: JSON.stringify({ type: "struct", fields }),
      partitionColumns: options.partitionColumns ?? [],
      configuration: options.configuration ?? {},
      createdTime: 0,
    },
  };
}

/** An add action. */
export function add(path: string, extra: Partial<AddAction> = {}): { add: AddAction } {
  return {
    add: {
      path,
      partitionValues: {},
      size: 1,
      modificationTime: 0,
      dataChange: true,
      ...extra,
    },
  };
}

/** A remove action. */
export function remove(path: string, extra: Partial<RemoveAction> = {}): { remove: RemoveAction } {
  return { remove: { path, dataChange: true, deletionTimestamp: Date.now(), ...extra } };
}

/** Stats JSON of one column set. */
export function stats(
  numRecords: number,
  minValues: Record<string, unknown>,
  maxValues: Record<string, unknown>,
  nullCount: Record<string, unknown> = {},
): string {
  return JSON.stringify({ numRecords, minValues, maxValues, nullCount });
}

/** Parquet bytes of a frame. */
export function parquetBytes(df: pl.DataFrame): Uint8Array {
  return new Uint8Array(df.writeParquet());
}

/** Storage that reports given modification times (fixtures are read-only; git drops mtimes). */
export class MtimeStorage implements ObjectStorage {
  readonly root: string;
  /**
   * @param inner The storage to wrap.
   * @param mtimes Key → milliseconds.
   */
  constructor(readonly inner: ObjectStorage, readonly mtimes: Map<string, number>) {
    this.root = inner.root;
  }
  #fix(m: ObjectMeta): ObjectMeta {
    const t = this.mtimes.get(m.path);
    return t === undefined ? m : { ...m, lastModified: t };
  }
  async list(prefix: string): Promise<ObjectMeta[]> {
    return (await this.inner.list(prefix)).map((m) => this.#fix(m));
  }
  read(path: string, range?: { start: number; end: number }): Promise<Uint8Array> {
    return this.inner.read(path, range);
  }
  async head(path: string): Promise<ObjectMeta> {
    return this.#fix(await this.inner.head(path));
  }
  put(path: string, bytes: Uint8Array, options?: { overwrite?: boolean }): Promise<void> {
    return this.inner.put(path, bytes, options);
  }
  delete(path: string): Promise<void> {
    return this.inner.delete(path);
  }
  localPath(path: string): string | undefined {
    return this.inner.localPath?.(path);
  }
}
