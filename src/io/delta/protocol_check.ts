/**
 * Reader protocol check: whether pointline can read a table with a given `protocol` action.
 *
 * Supported: reader versions 1, 2 (column mapping) and 3 (table features) with the reader
 * features {@linkcode SUPPORTED_READER_FEATURES}. Anything else is an
 * {@linkcode UnsupportedFeatureError} naming the feature, so a table is never read wrongly.
 *
 * @module
 */
import type { ProtocolAction } from "./actions.ts";
import { CorruptLogError, UnsupportedFeatureError } from "./errors.ts";

/**
 * Reader features pointline implements. The `-preview` spellings are accepted where the
 * preview's reader semantics equal the final feature's (type widening).
 */
export const SUPPORTED_READER_FEATURES: ReadonlySet<string> = new Set([
  "deletionVectors",
  "columnMapping",
  "timestampNtz",
  "v2Checkpoint",
  "vacuumProtocolCheck",
  "typeWidening",
  "typeWidening-preview",
]);

/** The highest reader protocol version pointline reads. */
export const MAX_READER_VERSION = 3;

/**
 * Check that pointline can read a table with this protocol.
 *
 * @param protocol The table's protocol action.
 * @param tableName The table location, for messages.
 * @throws {UnsupportedFeatureError} When the reader version is above 3, or a reader feature is
 *   not in {@linkcode SUPPORTED_READER_FEATURES} (the error's `feature` names it).
 * @throws {CorruptLogError} When the versions are not positive integers.
 *
 * @example
 * ```ts
 * import { checkReaderProtocol } from "./protocol_check.ts";
 * checkReaderProtocol({ minReaderVersion: 1, minWriterVersion: 2 }, "t");
 * let failed = false;
 * try {
 *   checkReaderProtocol({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["variantType"], writerFeatures: [] }, "t");
 * } catch (e) { failed = (e as { feature?: string }).feature === "variantType"; }
 * if (!failed) throw new Error("variantType must be refused");
 * ```
 */
export function checkReaderProtocol(protocol: ProtocolAction, tableName: string): void {
  const v = protocol.minReaderVersion;
  if (!Number.isInteger(v) || v < 1) {
    throw new CorruptLogError(
      `Cannot read "${tableName}": invalid minReaderVersion ${JSON.stringify(v)}`,
    );
  }
  if (v > MAX_READER_VERSION) {
    throw new UnsupportedFeatureError(
      `readerVersion=${v}`,
      `Cannot read "${tableName}": reader version ${v} is not supported (pointline reads up to ${MAX_READER_VERSION})`,
    );
  }
  if (v === 3) {
    for (const f of protocol.readerFeatures ?? []) {
      if (!SUPPORTED_READER_FEATURES.has(f)) {
        throw new UnsupportedFeatureError(
          f,
          `Cannot read "${tableName}": reader feature "${f}" is not supported`,
        );
      }
    }
  }
}

/**
 * Whether a reader feature is enabled by the protocol (reader version 3 lists features;
 * versions 1 and 2 imply the legacy ones: column mapping needs version 2).
 *
 * @param protocol The table's protocol.
 * @param feature A reader feature name.
 * @returns True when the feature is on.
 *
 * @example
 * ```ts
 * import { hasReaderFeature } from "./protocol_check.ts";
 * if (!hasReaderFeature({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors"] }, "deletionVectors")) throw new Error("dv");
 * ```
 */
export function hasReaderFeature(protocol: ProtocolAction, feature: string): boolean {
  if (protocol.minReaderVersion === 3) return (protocol.readerFeatures ?? []).includes(feature);
  if (feature === "columnMapping") return protocol.minReaderVersion >= 2;
  return false;
}
