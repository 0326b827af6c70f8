/**
 * A fault-injecting HTTP proxy for the S3 tests: it sits on 127.0.0.1 between pointline and a
 * test server (moto), relays each request byte for byte on its own upstream connection, and
 * records every request. Injected rules can answer an error status without forwarding, delay
 * a request past the client's timeout (then forward it anyway, as a slow network would),
 * drop the connection without forwarding, forward and then drop the response (the request is
 * applied, the client never hears), or strip a request header (a store that ignores it).
 *
 * Every response carries `Connection: close`, so each request arrives on a fresh connection
 * and a dropped connection never affects another request.
 *
 * @module
 */

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  /** HTTP method. */
  method: string;
  /** The path, percent-decoded, without the query. */
  path: string;
  /** The query parameters. */
  query: URLSearchParams;
  /** Lower-cased header names and their values. */
  headers: Map<string, string>;
  /** The fault applied, if any. */
  fault?: Fault["kind"];
}

/** What an injected rule does to a matching request. */
export type Fault =
  /** Answer this status (with an S3 error body), without forwarding unless `forward`. */
  | { kind: "status"; status: number; code?: string; forward?: boolean }
  /** Wait, then forward; the response goes to a client that has usually given up. */
  | { kind: "delay"; ms: number }
  /** Close the connection without forwarding or answering. */
  | { kind: "reset" }
  /** Forward (the request is applied), then close the connection without answering. */
  | { kind: "drop-response" }
  /** Forward without this request header (lower case). */
  | { kind: "strip-header"; header: string }
  /** Forward, then send only the first `bytes` bytes of the raw response and close. */
  | { kind: "truncate"; bytes: number };

/** A fault rule: applied to the next `times` requests that match. */
export interface FaultRule {
  /** Which requests; every request when absent. */
  match?: (r: ProxiedRequest) => boolean;
  /** The fault. */
  fault: Fault;
  /**
   * How many matching requests get the fault.
   *
   * @default {1}
   */
  times?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the client's endpoint here. */
  endpoint: string;
  /** Every request received, in arrival order. */
  requests: ProxiedRequest[];
  /** Add a rule (rules are tried in the order added). */
  inject(rule: FaultRule): void;
  /** Remove every rule. */
  clear(): void;
  /** Stop listening and wait for open connections to finish. */
  close(): Promise<void>;
}

const _enc = new TextEncoder();
const _dec = new TextDecoder();

function _indexOf(buf: Uint8Array, pattern: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= buf.length - pattern.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (buf[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

function _concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const _CRLF2 = _enc.encode("\r\n\r\n");
const _CHUNK_END = _enc.encode("0\r\n\r\n");

/** Read one whole request (head and body) from a connection; `undefined` at EOF. */
async function _readRequest(
  conn: Deno.Conn,
): Promise<{ head: string; body: Uint8Array } | undefined> {
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(64 * 1024);
  let headEnd = -1;
  while (headEnd < 0) {
    const n = await conn.read(chunk);
    if (n === null) return undefined;
    buf = _concat(buf, chunk.subarray(0, n));
    headEnd = _indexOf(buf, _CRLF2);
  }
  const head = _dec.decode(buf.subarray(0, headEnd));
  let body = buf.subarray(headEnd + 4);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
  const parts: Uint8Array[] = [body];
  let have = body.length;
  const need = length ? Number(length[1]) : 0;
  while (length ? have < need : chunked && _indexOf(body, _CHUNK_END) < 0) {
    const n = await conn.read(chunk);
    if (n === null) break;
    const c = chunk.slice(0, n);
    if (chunked) body = _concat(body, c);
    else parts.push(c);
    have += n;
  }
  if (!chunked && parts.length > 1) {
    body = new Uint8Array(have);
    let off = 0;
    for (const p of parts) {
      body.set(p, off);
      off += p.length;
    }
  }
  return { head, body };
}

function _parse(head: string): ProxiedRequest {
  const [requestLine, ...lines] = head.split("\r\n");
  const [method, target] = requestLine.split(" ");
  const url = new URL(target, "http://proxy");
  const headers = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { method, path: decodeURIComponent(url.pathname), query: url.searchParams, headers };
}

/** Forward raw bytes on a fresh upstream connection and read the response until it closes. */
async function _forward(upstreamPort: number, head: string, body: Uint8Array): Promise<Uint8Array> {
  const lines = head.split("\r\n").filter((l) => !/^connection:/i.test(l));
  const out = _concat(_enc.encode(lines.join("\r\n") + "\r\nConnection: close\r\n\r\n"), body);
  const up = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
  try {
    let off = 0;
    while (off < out.length) off += await up.write(out.subarray(off));
    const parts: Uint8Array[] = [];
    const chunk = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await up.read(chunk);
      if (n === null) break;
      parts.push(chunk.slice(0, n));
    }
    let size = 0;
    for (const p of parts) size += p.length;
    const res = new Uint8Array(size);
    size = 0;
    for (const p of parts) {
      res.set(p, size);
      size += p.length;
    }
    return res;
  } finally {
    up.close();
  }
}

async function _writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/**
 * Start a fault proxy in front of `upstream` (an `http://127.0.0.1:<port>` server).
 *
 * @param upstream The server's endpoint.
 * @returns The running proxy; call `close()` in a `finally`.
 */
export function startFaultProxy(upstream: string): FaultProxy {
  const upstreamPort = Number(new URL(upstream).port);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const rules: { rule: FaultRule; left: number }[] = [];
  const requests: ProxiedRequest[] = [];
  const open = new Set<Promise<void>>();

  const handle = async (conn: Deno.Conn) => {
    try {
      const req = await _readRequest(conn);
      if (!req) return;
      const info = _parse(req.head);
      requests.push(info);
      const hit = rules.find((r) => r.left > 0 && (r.rule.match?.(info) ?? true));
      if (hit) hit.left--;
      const fault = hit?.rule.fault;
      info.fault = fault?.kind;
      if (fault?.kind === "reset") return;
      if (fault?.kind === "status") {
        if (fault.forward) await _forward(upstreamPort, req.head, req.body);
        const code = fault.code ?? (fault.status === 503 ? "SlowDown" : "InternalError");
        const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
          `<Message>injected by the fault proxy</Message></Error>`;
        await _writeAll(
          conn,
          _enc.encode(
            `HTTP/1.1 ${fault.status} Injected\r\nContent-Type: application/xml\r\n` +
              `Content-Length: ${_enc.encode(xml).length}\r\nConnection: close\r\n\r\n${xml}`,
          ),
        );
        return;
      }
      let head = req.head;
      if (fault?.kind === "strip-header") {
        head = head.split("\r\n").filter((l) =>
          !l.toLowerCase().startsWith(fault.header.toLowerCase() + ":")
        ).join("\r\n");
      }
      if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
      const res = await _forward(upstreamPort, head, req.body);
      if (fault?.kind === "drop-response") return;
      await _writeAll(conn, fault?.kind === "truncate" ? res.subarray(0, fault.bytes) : res);
    } catch {
      // the client went away (it timed out): nothing to answer
    } finally {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  };

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // closed
      }
      const p = handle(conn).finally(() => open.delete(p));
      open.add(p);
    }
  })();

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    inject: (rule) => rules.push({ rule, left: rule.times ?? 1 }),
    clear: () => {
      rules.length = 0;
    },
    close: async () => {
      listener.close();
      await accepting;
      await Promise.all([...open]);
    },
  };
}
