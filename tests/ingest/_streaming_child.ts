/**
 * Child process of `streaming_crash_test.ts`: ingests the lake at `Deno.args[0]` with a memory
 * budget of `Deno.args[1]` bytes (so its file streams in many parts), after printing `go`.
 */
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { buildIngestion } from "../../src/services/build_ingestion.ts";

const [root, memory] = Deno.args;
const { ingestion } = buildIngestion(openDeltaLake(root));
await Deno.stdout.write(new TextEncoder().encode("go\n"));
await ingestion.run({ memoryBytes: Number(memory) });
