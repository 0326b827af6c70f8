/**
 * Locations of the shared, read-only test fixtures. `shared/` sits beside the repository
 * (in development and in CI alike), so fixtures are read in place, never copied.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Absolute path of `../shared/fixtures` from the repository root, no trailing slash. */
export const FIXTURES_DIR: string = fileURLToPath(
  new URL("../../shared/fixtures", import.meta.url),
);

/** Absolute path of the Delta conformance corpus. */
export const DELTA_FIXTURES: string = `${FIXTURES_DIR}/delta`;

/** Absolute path of the real Tardis sample files. */
export const TARDIS_FIXTURES: string = `${FIXTURES_DIR}/tardis`;

/** Absolute path of the repository root. */
export const REPO_ROOT: string = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
