/**
 * Errors of the Delta layer. One base class, {@linkcode DeltaError}, with named variants for
 * the conditions callers are meant to catch. Caller mistakes (bad arguments) use the built-in
 * `TypeError` and `RangeError` instead.
 *
 * @module
 */

/** Base class of every Delta-layer error. */
export class DeltaError extends Error {
  /**
   * Create the error.
   *
   * @param message Sentence case, no trailing period, values quoted.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DeltaError";
  }
}

/** The location holds no Delta table (no `_delta_log`, or an empty one). */
export class TableNotFoundError extends DeltaError {
  /**
   * Create the error.
   *
   * @param message What was looked for and where.
   * @param options Standard error options.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TableNotFoundError";
  }
}

/** The log is inconsistent: a version gap, a corrupt or empty commit, missing protocol or metadata. */
export class CorruptLogError extends DeltaError {
  /**
   * Create the error.
   *
   * @param message What is wrong, naming the file.
   * @param options Standard error options.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CorruptLogError";
  }
}

/** The table needs a reader or writer feature (or protocol version) pointline does not support. */
export class UnsupportedFeatureError extends DeltaError {
  /** The feature name, or `readerVersion=N` / `writerVersion=N`. */
  readonly feature: string;
  /**
   * Create the error.
   *
   * @param feature The unsupported feature.
   * @param message Optional detail; a default message names the feature.
   * @param options Standard error options.
   */
  constructor(feature: string, message?: string, options?: ErrorOptions) {
    super(message ?? `Unsupported Delta feature "${feature}"`, options);
    this.name = "UnsupportedFeatureError";
    this.feature = feature;
  }
}

/** A requested version or timestamp does not exist in the table's history. */
export class VersionNotFoundError extends DeltaError {
  /**
   * Create the error.
   *
   * @param message Which version or timestamp, and what range exists.
   * @param options Standard error options.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "VersionNotFoundError";
  }
}

/** Data does not fit the table schema (and schema merge was not asked for). */
export class SchemaMismatchError extends DeltaError {
  /** The differing columns. */
  readonly columns: string[];
  /**
   * Create the error.
   *
   * @param message What differs.
   * @param columns The differing columns.
   * @param options Standard error options.
   */
  constructor(message: string, columns: string[], options?: ErrorOptions) {
    super(message, options);
    this.name = "SchemaMismatchError";
    this.columns = columns;
  }
}

/** A concurrent commit won, and its changes conflict with this transaction. */
export class CommitConflictError extends DeltaError {
  /** The winning version. */
  readonly winningVersion: number;
  /** Why the two transactions conflict, for example `concurrent metadata change`. */
  readonly reason: string;
  /**
   * Create the error.
   *
   * @param winningVersion The version that conflicts.
   * @param reason Why.
   * @param options Standard error options.
   */
  constructor(winningVersion: number, reason: string, options?: ErrorOptions) {
    super(`Commit conflict with version ${winningVersion}: ${reason}`, options);
    this.name = "CommitConflictError";
    this.winningVersion = winningVersion;
    this.reason = reason;
  }
}

/** A write in mode `error` found a table already at the location. */
export class TableAlreadyExistsError extends DeltaError {
  /**
   * Create the error.
   *
   * @param message Which table exists, and at what version.
   * @param options Standard error options.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TableAlreadyExistsError";
  }
}

/**
 * The log lists a live data file that storage does not hold (deleted or never uploaded by
 * hand or by another tool): the table cannot be read as that version describes it. delta-rs
 * reports this as `FileNotFoundError`.
 */
export class MissingDataFileError extends CorruptLogError {
  /** The table root (path or URI). */
  readonly table: string;
  /** The table version whose log lists the file, when known. */
  readonly version: number | undefined;
  /** The file's path as the log gives it (decoded, relative to the table root or absolute). */
  readonly path: string;
  /**
   * Create the error.
   *
   * @param table The table root.
   * @param version The version read, when known.
   * @param path The missing file.
   * @param options Standard error options (`cause`).
   */
  constructor(
    table: string,
    version: number | undefined,
    path: string,
    options?: ErrorOptions,
  ) {
    super(
      `Data file "${path}" of table "${table}"` +
        (version === undefined ? "" : ` at version ${version}`) +
        ` is missing from storage: the log lists it as live`,
      options,
    );
    this.name = "MissingDataFileError";
    this.table = table;
    this.version = version;
    this.path = path;
  }
}

/**
 * A column's values do not fit the table's type (for example a Polars `UInt64` value of 2^63
 * or more for a Delta `long`): writing them would turn them into nulls, so nothing is written.
 */
export class ValueOutOfRangeError extends SchemaMismatchError {
  /** The column. */
  readonly column: string;
  /** One value that does not fit, as text. */
  readonly sample: string;
  /**
   * Create the error.
   *
   * @param column The column.
   * @param tableType The table's type of the column (Delta type name).
   * @param sample One value that does not fit, as text.
   * @param options Standard error options (`cause`).
   */
  constructor(column: string, tableType: string, sample: string, options?: ErrorOptions) {
    super(
      `Cannot write: column "${column}" holds values that do not fit the table type ` +
        `"${tableType}", for example "${sample}"`,
      [column],
      options,
    );
    this.name = "ValueOutOfRangeError";
    this.column = column;
    this.sample = sample;
  }
}

/**
 * A checkpoint of the log cannot be read (empty, half-written, not Parquet, or listed but
 * gone). `loadSnapshot` catches it and falls back to an older checkpoint or to the JSON
 * commits; it only surfaces when the snapshot was asked of one segment (`replaySegment`).
 */
export class CorruptCheckpointError extends CorruptLogError {
  /** The checkpoint's version. */
  readonly version: number;
  /** The first file of the checkpoint that cannot be read (key under the table root). */
  readonly path: string;
  /**
   * Create the error.
   *
   * @param version The checkpoint's version.
   * @param path The unreadable file.
   * @param detail What is wrong with it.
   * @param options Standard error options (`cause`).
   */
  constructor(version: number, path: string, detail: string, options?: ErrorOptions) {
    super(`Cannot read checkpoint "${path}": ${detail}`, options);
    this.name = "CorruptCheckpointError";
    this.version = version;
    this.path = path;
  }
}
