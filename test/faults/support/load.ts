/**
 * Bounded load for the fault suite: a fixed number of loops, each sending one request at a time
 * over keep-alive HTTP/1.1 connections (node:http's Agent), with a pause between requests. Every
 * request's outcome is kept, and whether it was sent: a request that failed after it was written
 * to a connected socket got no answer (lost, if nothing says otherwise), one refused before it
 * could be sent never reached the server.
 */
import http from "node:http";
import http2 from "node:http2";
import { basicAuth } from "../../support/assertions.js";

export interface RequestSpec {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface Outcome {
  readonly spec: RequestSpec;
  /** When it was sent, in ms since the load started. */
  readonly at: number;
  readonly ms: number;
  readonly status?: number;
  readonly body?: string;
  readonly headers?: http.IncomingHttpHeaders;
  /** The error, when there was no complete answer (ECONNRESET, ECONNREFUSED, …). */
  readonly error?: string;
  /** Whether the request reached a connected socket in full (false: it never left this process). */
  readonly sent: boolean;
  /** Whether it went on a connection an earlier request had used (HTTP/1.1 keep-alive; HTTP/2 session). */
  readonly reused?: boolean;
}

export interface Load {
  readonly outcomes: Outcome[];
  /** Stops the loops after their current request; resolves when they have. */
  stop(): Promise<void>;
}

export function sendRequest(baseUrl: string, spec: RequestSpec, agent: http.Agent | false, timeoutMs: number): Promise<Omit<Outcome, "at" | "spec">> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let written = false;
    let connected = false;
    const req = http.request({
      host: u.hostname,
      port: u.port,
      method: spec.method,
      path: spec.path,
      agent,
      headers: { ...(spec.body !== undefined && { "content-length": String(Buffer.byteLength(spec.body)) }), ...spec.headers },
      timeout: timeoutMs,
    });
    req.on("socket", (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    req.on("finish", () => (written = true));
    req.on("timeout", () => req.destroy(Object.assign(new Error("no answer within the client's timeout"), { code: "CLIENT_TIMEOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) =>
      resolve({ ms: elapsed(), error: err.code ?? err.message, sent: written && connected, reused: req.reusedSocket }),
    );
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (err: NodeJS.ErrnoException) => resolve({ ms: elapsed(), error: err.code ?? err.message, sent: true, reused: req.reusedSocket }));
      res.on("end", () =>
        resolve({
          ms: elapsed(),
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          sent: true,
          reused: req.reusedSocket,
        }),
      );
    });
    req.end(spec.body);
  });
}

export function startLoad(options: {
  readonly url: string;
  readonly concurrency: number;
  readonly pauseMs: number;
  /** The request each loop sends next (`n` counts requests across loops). */
  readonly next: (n: number) => RequestSpec;
  readonly agent?: http.Agent;
  readonly timeoutMs?: number;
  /** A loop ends after an outcome for which this is true (the server has gone away, say). */
  readonly until?: (outcome: Outcome) => boolean;
}): Load {
  const agent = options.agent ?? new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const outcomes: Outcome[] = [];
  const t0 = performance.now();
  let stopping = false;
  let n = 0;
  const loop = async () => {
    while (!stopping) {
      const spec = options.next(n++);
      const at = performance.now() - t0;
      const outcome: Outcome = { spec, at, ...(await sendRequest(options.url, spec, agent, options.timeoutMs ?? 30_000)) };
      outcomes.push(outcome);
      if (options.until?.(outcome)) return;
      if (options.pauseMs > 0) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  return {
    outcomes,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      if (!options.agent) agent.destroy();
    },
  };
}

/** Percentile (0-100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function tokenRequest(clientId: string, clientSecret: string): RequestSpec {
  return {
    method: "POST",
    path: "/oauth/token",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(clientId, clientSecret) },
    body: "grant_type=client_credentials",
  };
}

/** A Connect unary call in JSON. */
export function connectCall(method: string, message: unknown, bearer?: string): RequestSpec {
  return {
    method: "POST",
    path: `/trueparser.controlplane.v1.${method}`,
    headers: { "content-type": "application/json", ...(bearer && { authorization: `Bearer ${bearer}` }) },
    body: JSON.stringify(message),
  };
}

/**
 * The same over HTTP/2 (h2c with prior knowledge): `sessions` connections, each running `streams`
 * loops. A stream the server refused (REFUSED_STREAM, or not started because the session was
 * going away) was not processed: not sent, safe to retry. After GOAWAY a loop opens a new session.
 */
export function startH2Load(options: {
  readonly url: string;
  readonly sessions: number;
  readonly streams: number;
  readonly pauseMs: number;
  readonly next: (n: number) => RequestSpec;
  readonly until?: (outcome: Outcome) => boolean;
}): Load {
  const outcomes: Outcome[] = [];
  const t0 = performance.now();
  let stopping = false;
  let n = 0;
  /** Sessions that have answered a stream: later streams on them count as reused. */
  const answered = new WeakSet<http2.ClientHttp2Session>();
  const sessionLoop = async () => {
    let session: http2.ClientHttp2Session | undefined;
    const open = () => {
      const s = http2.connect(options.url);
      s.on("error", () => undefined);
      s.on("goaway", () => {
        if (session === s) session = undefined;
      });
      s.on("close", () => {
        if (session === s) session = undefined;
      });
      return s;
    };
    const streamLoop = async () => {
      while (!stopping) {
        session ??= open();
        const current = session;
        const spec = options.next(n++);
        const at = performance.now() - t0;
        const reused = answered.has(current);
        const outcome: Outcome = { spec, at, reused, ...(await sendH2(current, spec)) };
        if (outcome.status !== undefined) answered.add(current);
        outcomes.push(outcome);
        if (options.until?.(outcome)) {
          stopping = true;
          return;
        }
        if (options.pauseMs > 0) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
    };
    await Promise.all(Array.from({ length: options.streams }, streamLoop));
    session?.close();
  };
  const loops = Array.from({ length: options.sessions }, sessionLoop);
  return {
    outcomes,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

function sendH2(session: http2.ClientHttp2Session, spec: RequestSpec): Promise<Omit<Outcome, "at" | "spec">> {
  return new Promise((resolve) => {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({ ":method": spec.method, ":path": spec.path, ...spec.headers });
    } catch (err) {
      // The session is closing (GOAWAY received) or gone: the request never left.
      resolve({ ms: elapsed(), error: (err as NodeJS.ErrnoException).code ?? String(err), sent: false });
      return;
    }
    let status: number | undefined;
    let headers: http.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      headers = h as http.IncomingHttpHeaders;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve({ ms: elapsed(), status, headers, body: Buffer.concat(chunks).toString("utf8"), sent: true }));
    stream.on("error", (err: NodeJS.ErrnoException) => {
      // Refused (or never started, the session being gone before it was sent): not processed.
      const refused = stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM || stream.id === undefined || err.code === "ECONNREFUSED";
      resolve({ ms: elapsed(), error: `${err.code ?? err.message}${stream.rstCode ? ` rst=${stream.rstCode}` : ""}`, sent: !refused });
    });
    stream.end(spec.body);
  });
}
