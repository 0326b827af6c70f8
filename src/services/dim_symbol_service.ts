/**
 * `dim_symbol` orchestration: read the stored dimension, apply the domain's SCD2 rules, write
 * it back — retrying when a concurrent writer won the commit race.
 *
 * - {@linkcode DimSymbolService.update}: dated updates through `scd2Upsert`, then a
 *   deterministic rewrite (`writeFull`).
 * - {@linkcode DimSymbolService.syncTardisInstruments}: a Tardis `/v1/instruments` answer
 *   (one object or an array) through `fromTardisInstruments` (which unrolls `changes[]` into
 *   earlier versions), then `update`.
 * - {@linkcode DimSymbolService.rebuild}: the whole table from a history of dated versions
 *   (`rebuildFromHistory`), replacing what is stored (backfills, corrections).
 *
 * The repository is any {@linkcode TableRepository}; the Delta one serialises writes, so a
 * lost race surfaces as `CommitConflictError` and the whole read-modify-write is repeated.
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { rebuildFromHistory } from "../domain/rebuild_from_history.ts";
import { scd2Upsert, type Scd2UpsertOptions } from "../domain/scd2_upsert.ts";
import { fromTardisInstruments } from "../domain/tardis_instruments.ts";
import { CommitConflictError } from "../io/delta/errors.ts";
import type { TableRepository } from "../io/protocols.ts";

/** Options of {@linkcode DimSymbolService}. */
export interface DimSymbolServiceOptions {
  /** Read-modify-write attempts when commits conflict. @default {8} */
  maxAttempts?: number;
}

/** What an update did. */
export interface DimSymbolUpdateResult {
  /** Rows before. */
  rowsBefore: number;
  /** Rows after. */
  rowsAfter: number;
  /** Current (open-ended) versions after. */
  currentRows: number;
  /** Attempts used (1 without contention). */
  attempts: number;
}

/** Options of {@linkcode DimSymbolService.syncTardisInstruments}. */
export interface SyncInstrumentsOptions {
  /** When the instrument list was observed, µs. @default {now} */
  effectiveTs?: number | bigint;
  /** Treat the list as complete for its exchanges and close absent symbols. @default {false} */
  snapshot?: boolean;
}

/** The `dim_symbol` service. */
export class DimSymbolService {
  #repo: TableRepository;
  #maxAttempts: number;

  /**
   * Create a `DimSymbolService`.
   *
   * @param repo The dim_symbol repository.
   * @param options Retry policy.
   * @example
   * ```ts
   * import { DimSymbolService } from "./dim_symbol_service.ts";
   * import { DeltaDimSymbolRepo } from "../io/delta_dim_symbol_repo.ts";
   * import { sampleInstruments, SAMPLE_INSTRUMENTS_EFFECTIVE_US } from "../sample/sample_bronze.ts";
   * const root = await Deno.makeTempDir();
   * const svc = new DimSymbolService(new DeltaDimSymbolRepo(root));
   * const res = await svc.syncTardisInstruments(sampleInstruments(), { effectiveTs: SAMPLE_INSTRUMENTS_EFFECTIVE_US });
   * await Deno.remove(root, { recursive: true });
   * if (res.rowsAfter !== 4 || res.currentRows !== 3) throw new Error(JSON.stringify(res));
   * ```
   */
  constructor(repo: TableRepository, options: DimSymbolServiceOptions = {}) {
    this.#repo = repo;
    this.#maxAttempts = options.maxAttempts ?? 8;
  }

  /**
   * The stored dimension (empty with the schema's columns when none).
   *
   * @returns The dim_symbol frame.
   */
  current(): Promise<DataFrame> {
    return this.#repo.readAll();
  }

  /**
   * Apply dated updates with SCD2 rules and rewrite the table.
   *
   * @param updates Dated updates (see `scd2Upsert`).
   * @param options SCD2 options (snapshot semantics, conflict policy).
   * @returns Row counts.
   * @throws {Scd2ConflictError} On conflicting updates (not retried).
   * @throws {CommitConflictError} When every attempt lost a commit race.
   */
  update(updates: DataFrame, options: Scd2UpsertOptions = {}): Promise<DimSymbolUpdateResult> {
    return this._readModifyWrite((current) => scd2Upsert(current, updates, options));
  }

  /**
   * Sync from a Tardis `/v1/instruments` answer.
   *
   * @param json One instrument object or an array of them (parsed JSON).
   * @param options Effective time and snapshot semantics.
   * @returns Row counts.
   */
  syncTardisInstruments(
    json: unknown,
    options: SyncInstrumentsOptions = {},
  ): Promise<DimSymbolUpdateResult> {
    const effectiveTs = BigInt(options.effectiveTs ?? Date.now() * 1000);
    const updates = fromTardisInstruments(json, { effectiveTs });
    return this.update(
      updates,
      options.snapshot ? { snapshot: { effectiveTs } } : {},
    );
  }

  /**
   * Replace the table with the one rebuilt from a full history of dated versions.
   *
   * @param history Dated versions (see `rebuildFromHistory`).
   * @returns Row counts.
   */
  rebuild(history: DataFrame): Promise<DimSymbolUpdateResult> {
    return this._readModifyWrite(() => rebuildFromHistory(history));
  }

  /** Read the table, apply `f`, and write the result, retrying on a lost commit race. */
  private async _readModifyWrite(
    f: (current: pl.DataFrame) => pl.DataFrame,
  ): Promise<DimSymbolUpdateResult> {
    for (let attempt = 1;; attempt++) {
      const current = await this.#repo.readAll();
      const next = f(current);
      try {
        await this.#repo.writeFull(next);
      } catch (err) {
        if (err instanceof CommitConflictError && attempt < this.#maxAttempts) {
          await new Promise((r) => setTimeout(r, Math.random() * 25 * attempt));
          continue;
        }
        throw err;
      }
      const isCurrent = next.getColumn("is_current").toArray() as boolean[];
      return {
        rowsBefore: current.height,
        rowsAfter: next.height,
        currentRows: isCurrent.filter(Boolean).length,
        attempts: attempt,
      };
    }
  }
}
