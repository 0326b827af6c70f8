/**
 * The ingest worker: the module each Deno Worker of a `WorkerFileRunner` runs (a composition
 * root, like the `ingest` task, so it opens the Delta lake itself).
 *
 * Protocol (see `IngestWorkerRequest` / `IngestWorkerReply`): the first message is `init`,
 * with the lake's location and the run's `dim_symbol` as Arrow IPC bytes; each later `file`
 * message is ingested with the same per-file step as a run in one thread (`ingestOneFile`),
 * and answered with a `result`. Anything that escapes that step (an uncaught error, an
 * unhandled rejection, the worker closing or exiting itself) is answered with one `crash`
 * message naming it, so the parent never waits on a dead worker; the parent then terminates
 * this worker.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { openDeltaLake } from "../io/delta_lake.ts";
import { buildIngestion } from "./build_ingestion.ts";
import { collectGarbage } from "./collect_garbage.ts";
import { errorMessage, type FileStepDeps, ingestOneFile } from "./ingest_one_file.ts";
import type { IngestWorkerReply, IngestWorkerRequest } from "./worker_file_runner.ts";

interface _WorkerScope {
  postMessage(message: IngestWorkerReply): void;
  addEventListener(type: string, listener: (e: Event) => void): void;
  close(): void;
}

const scope = globalThis as unknown as _WorkerScope;
let ready: Promise<{ deps: FileStepDeps; dim: DataFrame }> | undefined;

function crash(message: string): void {
  scope.postMessage({ type: "crash", message: message.split("\n")[0] });
}

scope.addEventListener("error", (e) => {
  e.preventDefault();
  crash((e as ErrorEvent).message || "uncaught error");
});
scope.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  crash(`unhandled rejection: ${errorMessage((e as PromiseRejectionEvent).reason)}`);
});
const close = scope.close.bind(scope);
scope.close = () => {
  crash("the worker closed itself");
  close();
};
const exit = Deno.exit;
Object.defineProperty(Deno, "exit", {
  value: (code?: number): never => {
    crash(`the worker exited (code ${code ?? 0})`);
    return exit(code);
  },
});

scope.addEventListener("message", (e) => {
  const request = (e as MessageEvent<IngestWorkerRequest>).data;
  if (request.type === "init") {
    ready = Promise.resolve().then(() => {
      const { root, ...options } = request.lake;
      const lake = openDeltaLake(root, options);
      const { eventTables } = buildIngestion(lake);
      const bytes = request.dim;
      const dim = pl.readIPC(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { deps: { services: eventTables, manifest: lake.manifest }, dim };
    });
    ready.catch((err) => crash(`cannot start: ${errorMessage(err)}`));
    return;
  }
  if (request.type === "file") {
    (async () => {
      if (!ready) throw new Error("a file came before init");
      const { deps, dim } = await ready;
      const result = await ingestOneFile(deps, request.task, dim);
      collectGarbage();
      scope.postMessage({ type: "result", id: request.id, result });
    })().catch((err) => crash(errorMessage(err)));
  }
});
