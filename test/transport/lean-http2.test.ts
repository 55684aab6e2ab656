/**
 * The lean HTTP/2 session (src/transport/http2/session.ts) on the wire, against a real server:
 * a raw client writes frames byte for byte (test/support/raw-http2.ts) and every frame the server
 * answers is checked — types, flags, stream ids, error codes, grpc-status. A connection is lean
 * when its first request is a gRPC call (first-request.ts); each case that needs a lean
 * connection opens it with one IssueToken call, answered.
 */
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "../../gen/ts/grpc/health/v1/health_pb.js";
import {
  IssueTokenRequestSchema,
  IssueTokenResponseSchema,
  TokenService,
  type IssueTokenResponse,
} from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { ErrorCode, Flag, FrameType, frame, rstStreamFrame, Setting, settingsFrame, windowUpdateFrame } from "../../src/transport/http2/frames.js";
import { encodeHeaderBlock } from "../../src/transport/http2/hpack.js";
import { grpcJsIssueTokenClient } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import {
  continuationFrame,
  dataFrame,
  field,
  fieldsObject,
  headersFrame,
  RawH2,
  type RawOptions,
  type StreamAnswer,
} from "../support/raw-http2.js";
import { startTestServer, type TestServer } from "../support/server.js";

const ISSUE = `/${TokenService.typeName}/IssueToken`;
const HEALTH_CHECK = `/${Health.typeName}/Check`;

let server: TestServer;
/** The same server without the lean session: every HTTP/2 connection is node:http2's. */
let viaNode: TestServer;
/** A server of its own for the graceful close. */
let closing: TestServer;
let closingClosed = false;
let app: { clientId: string; clientSecret: string };
/** An app on `viaNode`, for the calls that open its connections. */
let viaNodeApp: { clientId: string; clientSecret: string };
const clients: RawH2[] = [];

beforeAll(async () => {
  [server, viaNode, closing] = await Promise.all([startTestServer(), startTestServer({ grpcFastPath: false }), startTestServer()]);
  [app, viaNodeApp] = await Promise.all([onboard(server.url), onboard(viaNode.url)]);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([server?.close(), viaNode?.close(), closingClosed ? undefined : closing?.close()]);
});

async function connect(options: RawOptions = {}, url = server.url): Promise<RawH2> {
  const c = await RawH2.connect(url, options);
  clients.push(c);
  return c;
}

/** A gRPC message frame (5-byte prefix), as connect encodes it. */
const envelope = (message: Uint8Array, flags = 0): Buffer => Buffer.from(encodeEnvelope(flags, message));

function grpcFields(c: RawH2, path = ISSUE, extra: readonly string[] = []): string[] {
  return [":method", "POST", ":scheme", "http", ":path", path, ":authority", c.authority, "content-type", "application/grpc", "te", "trailers", ...extra];
}

function getFields(c: RawH2, path: string): string[] {
  return [":method", "GET", ":scheme", "http", ":path", path, ":authority", c.authority];
}

const issueBody = (creds = app) => envelope(toBinary(IssueTokenRequestSchema, create(IssueTokenRequestSchema, creds)));

/** Sends a complete IssueToken call on `streamId` and waits for its end. */
async function issue(c: RawH2, streamId: number, creds = app): Promise<StreamAnswer> {
  const from = c.frames.length;
  c.send(headersFrame(streamId, grpcFields(c)), dataFrame(streamId, issueBody(creds), { endStream: true }));
  return c.answer(streamId, from);
}

function expectToken(a: StreamAnswer): IssueTokenResponse {
  expect(a.rst).toBeUndefined();
  expect(field(a.headers, ":status")).toBe("200");
  expect(field(a.headers, "content-type")).toBe("application/grpc+proto");
  expect(fieldsObject(a.trailers)).toEqual({ "grpc-status": "0" });
  expect(a.data[0]).toBe(0); // not compressed
  expect(a.data.readUInt32BE(1)).toBe(a.data.length - 5); // one message, whole
  const response = fromBinary(IssueTokenResponseSchema, a.data.subarray(5));
  expect(response.tokenType).toBe("Bearer");
  expect(response.accessToken.split(".")).toHaveLength(3);
  return response;
}

/** A connection the lean session serves: its first request, an IssueToken call on stream 1, answered. */
async function leanConnection(options: RawOptions = {}, url = server.url, creds = app): Promise<RawH2> {
  const c = await connect(options, url);
  expectToken(await issue(c, 1, creds));
  return c;
}

/** Only the lean session answers 421 to a plain GET: proves who serves the connection. */
async function expectLean(c: RawH2, streamId: number): Promise<void> {
  const from = c.frames.length;
  c.send(headersFrame(streamId, getFields(c, "/healthz"), { endStream: true }));
  expect(field((await c.answer(streamId, from)).headers, ":status")).toBe("421");
}

function settingsOf(payload: Buffer): Map<number, number> {
  const out = new Map<number, number>();
  for (let at = 0; at + 6 <= payload.length; at += 6) out.set(payload.readUInt16BE(at), payload.readUInt32BE(at + 2));
  return out;
}

function goaway(f: { payload: Buffer }) {
  return { lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff, code: f.payload.readUInt32BE(4) };
}

const isGoaway = (f: { type: number }) => f.type === FrameType.GOAWAY;

describe("lean HTTP/2: exchanges", () => {
  it("1. answers an IssueToken call: HEADERS(200, grpc+proto, date), one message, trailers grpc-status 0; SETTINGS both ways", async () => {
    const c = await connect();
    const a = await issue(c, 1);
    expectToken(a);

    // The server's opening: first-request.ts's empty SETTINGS at once, then the session's own.
    const [first, second] = c.frames;
    expect(first).toMatchObject({ type: FrameType.SETTINGS, flags: 0, streamId: 0 });
    expect(first!.payload.length).toBe(0);
    expect(second).toMatchObject({ type: FrameType.SETTINGS, flags: 0, streamId: 0 });
    expect(settingsOf(second!.payload).get(Setting.MAX_CONCURRENT_STREAMS)).toBe(100);
    // Ours acknowledged, once, before the answer.
    const acks = c.frames.filter((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.payload.length).toBe(0);
    expect(acks[0]!.index).toBeLessThan(a.frames[0]!.index);

    // The answer: HEADERS, one DATA, trailers with END_STREAM; nothing else on the stream.
    expect(a.frames.map((f) => [f.type, f.flags])).toEqual([
      [FrameType.HEADERS, Flag.END_HEADERS],
      [FrameType.DATA, 0],
      [FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM],
    ]);
    const headers = fieldsObject(a.headers);
    expect(Object.keys(headers).sort()).toEqual([":status", "content-type", "date"]);
    expect(a.headers![0]).toBe(":status");
    expect(headers.date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(Math.abs(Date.parse(headers.date!) - Date.now())).toBeLessThan(10_000);
    expect(c.frames.some(isGoaway)).toBe(false);
    await expectLean(c, 3);
  });

  it("2. serves several calls on one connection, one after the other and 20 at once, each on its stream", async () => {
    const c = await leanConnection();
    for (const id of [3, 5, 7]) expectToken(await issue(c, id));

    const ids = Array.from({ length: 20 }, (_, i) => 9 + 2 * i);
    const from = c.frames.length;
    c.send(...ids.flatMap((id) => [headersFrame(id, grpcFields(c)), dataFrame(id, issueBody(), { endStream: true })]));
    const answers = await Promise.all(ids.map((id) => c.answer(id, from)));
    const tokens = answers.map((a) => expectToken(a).accessToken);
    expect(new Set(tokens).size).toBe(20);
    // Every stream frame the server sent belongs to one of the streams asked for, 3 frames each.
    const streamFrames = c.frames.slice(from).filter((f) => f.streamId !== 0);
    expect(new Set(streamFrames.map((f) => f.streamId))).toEqual(new Set(ids));
    expect(streamFrames).toHaveLength(60);
    expect(c.frames.some((f) => f.type === FrameType.RST_STREAM || isGoaway(f))).toBe(false);
  });

  it("3. assembles a header block from HEADERS + CONTINUATION, and reads padded HEADERS with priority fields", async () => {
    // The connection's first request in three pieces: first-request.ts and the session both reassemble it.
    const c = await connect();
    const block = encodeHeaderBlock(grpcFields(c));
    c.send(
      headersFrame(1, block.subarray(0, 10), { endHeaders: false }),
      continuationFrame(1, block.subarray(10, 25), false),
      continuationFrame(1, block.subarray(25), true),
      dataFrame(1, issueBody(), { endStream: true }),
    );
    expectToken(await c.answer(1));

    // Padded, with PRIORITY (weight, exclusive dependency), END_HEADERS in one frame.
    let from = c.frames.length;
    c.send(headersFrame(3, grpcFields(c), { pad: 7, priority: { dependsOn: 1, weight: 200, exclusive: true } }), dataFrame(3, issueBody(), { endStream: true }));
    expectToken(await c.answer(3, from));

    // Padded and prioritized HEADERS, its block continued by a CONTINUATION.
    const block5 = encodeHeaderBlock(grpcFields(c));
    from = c.frames.length;
    c.send(
      headersFrame(5, block5.subarray(0, 4), { endHeaders: false, pad: 3, priority: { dependsOn: 0, weight: 16 } }),
      continuationFrame(5, block5.subarray(4), true),
      dataFrame(5, issueBody(), { endStream: true }),
    );
    expectToken(await c.answer(5, from));
    await expectLean(c, 7);
    expect(c.frames.some((f) => f.type === FrameType.RST_STREAM || isGoaway(f))).toBe(false);
  });

  it("4. reads a body split across DATA frames (some padded, END_STREAM on an empty one) and credits the windows back", async () => {
    const c = await leanConnection();
    const body = issueBody();
    const cuts = [0, 3, 7, 20, 41, body.length];
    const pieces = cuts.slice(1).map((end, i) => body.subarray(cuts[i]!, end));
    const frames = [
      headersFrame(3, grpcFields(c)),
      ...pieces.map((p, i) => dataFrame(3, p, i % 2 === 0 ? { pad: 5 + i } : {})),
      dataFrame(3, Buffer.alloc(0), { endStream: true }),
    ];
    const dataPayloadBytes = frames.slice(1).reduce((n, f) => n + f.length - 9, 0);
    const from = c.frames.length;
    // One frame per write, so the server reads them in several turns.
    for (const f of frames) c.send(f);
    expectToken(await c.answer(3, from));
    await c.ping();
    const updates = c.frames.slice(from).filter((f) => f.type === FrameType.WINDOW_UPDATE);
    const credited = (streamId: number) => updates.filter((f) => f.streamId === streamId).reduce((n, f) => n + f.payload.readUInt32BE(0), 0);
    // Everything read, padding included (§6.9.1), back to the connection; the stream's credit for the frames before END_STREAM.
    expect(credited(0)).toBe(dataPayloadBytes);
    expect(credited(3)).toBe(dataPayloadBytes); // the last DATA frame is empty
    expect(updates.every((f) => f.payload.readUInt32BE(0) > 0)).toBe(true);
  });

  it("5. respects the client's flow-control window: at most INITIAL_WINDOW_SIZE bytes until WINDOW_UPDATE or a SETTINGS change", async () => {
    const c = await connect({ settings: [[Setting.INITIAL_WINDOW_SIZE, 10]] });
    const from = c.frames.length;
    c.send(headersFrame(1, grpcFields(c)), dataFrame(1, issueBody(), { endStream: true }));
    const onStream = () => c.frames.slice(from).filter((f) => f.streamId === 1);
    const sent = () => onStream().filter((f) => f.type === FrameType.DATA).reduce((n, f) => n + f.payload.length, 0);

    await c.waitFor((f) => f.streamId === 1 && f.type === FrameType.DATA, { from, what: "the first DATA" });
    await c.ping();
    expect(sent()).toBe(10);
    expect(onStream().some((f) => f.endsStream)).toBe(false);

    let mark = c.frames.length;
    c.send(windowUpdateFrame(1, 20));
    await c.waitFor((f) => f.streamId === 1 && f.type === FrameType.DATA, { from: mark, what: "DATA after WINDOW_UPDATE" });
    await c.ping();
    expect(sent()).toBe(30);
    expect(onStream().some((f) => f.endsStream)).toBe(false);

    // A larger INITIAL_WINDOW_SIZE grows the open stream's window (§6.9.2): the rest and the trailers follow.
    mark = c.frames.length;
    c.send(settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 65_535]]));
    const a = await c.answer(1, from);
    expect(c.frames.slice(mark).some((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK)).toBe(true);
    expect(a.frames.filter((f) => f.type === FrameType.DATA).map((f) => f.payload.length).slice(0, 2)).toEqual([10, 20]);
    expectToken(a);
  });

  it("6. answers PING with a PING ACK carrying the same 8 bytes", async () => {
    const c = await leanConnection();
    const bytes = Buffer.from([1, 2, 3, 4, 250, 251, 252, 253]);
    const ack = await c.ping(bytes);
    expect(ack).toMatchObject({ type: FrameType.PING, flags: Flag.ACK, streamId: 0 });
    expect(ack.payload.equals(bytes)).toBe(true);
    // A PING ACK from the client is not answered.
    const from = c.frames.length;
    c.send(frame(FrameType.PING, Flag.ACK, 0, Buffer.alloc(8, 7)));
    await c.ping(Buffer.from("second!!"));
    expect(c.frames.slice(from).filter((f) => f.type === FrameType.PING)).toHaveLength(1);
  });
});

describe("lean HTTP/2: errors", () => {
  it("7. answers connection errors with GOAWAY and the RFC's code, then closes", async () => {
    const cases: Array<{ name: string; bytes: (c: RawH2) => Buffer; code: number }> = [
      { name: "DATA on stream 0", bytes: () => dataFrame(0, Buffer.from("x")), code: ErrorCode.PROTOCOL_ERROR },
      { name: "HEADERS on an even stream", bytes: (c) => headersFrame(2, grpcFields(c)), code: ErrorCode.PROTOCOL_ERROR },
      { name: "a frame over 16384 bytes", bytes: () => frame(FrameType.HEADERS, Flag.END_HEADERS, 3, Buffer.alloc(16_385)), code: ErrorCode.FRAME_SIZE_ERROR },
      { name: "WINDOW_UPDATE of 0 on stream 0", bytes: () => windowUpdateFrame(0, 0), code: ErrorCode.PROTOCOL_ERROR },
      { name: "CONTINUATION without HEADERS", bytes: (c) => continuationFrame(3, encodeHeaderBlock(grpcFields(c)), true), code: ErrorCode.PROTOCOL_ERROR },
      { name: "a malformed HPACK block (index 0)", bytes: () => headersFrame(3, Buffer.from([0x80])), code: ErrorCode.COMPRESSION_ERROR },
      { name: "an HPACK index beyond the table", bytes: () => headersFrame(3, Buffer.from([0xff, 0x10])), code: ErrorCode.COMPRESSION_ERROR },
      { name: "SETTINGS_ENABLE_PUSH = 2", bytes: () => settingsFrame([[Setting.ENABLE_PUSH, 2]]), code: ErrorCode.PROTOCOL_ERROR },
      { name: "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1", bytes: () => settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 2 ** 31]]), code: ErrorCode.FLOW_CONTROL_ERROR },
      { name: "SETTINGS on a stream", bytes: () => frame(FrameType.SETTINGS, 0, 1, Buffer.alloc(0)), code: ErrorCode.PROTOCOL_ERROR },
      { name: "a PING of 7 bytes", bytes: () => frame(FrameType.PING, 0, 0, Buffer.alloc(7)), code: ErrorCode.FRAME_SIZE_ERROR },
      { name: "a GOAWAY of 4 bytes", bytes: () => frame(FrameType.GOAWAY, 0, 0, Buffer.alloc(4)), code: ErrorCode.FRAME_SIZE_ERROR },
      {
        // The CONTINUATION flood (CVE-2024-27316's class): empty frames count with their 9-byte headers.
        name: "a header block continued by 30,000 empty CONTINUATION frames",
        bytes: (c) =>
          Buffer.concat([
            headersFrame(3, encodeHeaderBlock(grpcFields(c)).subarray(0, 5), { endHeaders: false }),
            ...Array.from({ length: 30_000 }, () => continuationFrame(3, Buffer.alloc(0), false)),
          ]),
        code: ErrorCode.ENHANCE_YOUR_CALM,
      },
      {
        name: "a header block interrupted by another frame",
        bytes: (c) => Buffer.concat([headersFrame(3, encodeHeaderBlock(grpcFields(c)).subarray(0, 5), { endHeaders: false }), frame(FrameType.PING, 0, 0, Buffer.alloc(8))]),
        code: ErrorCode.PROTOCOL_ERROR,
      },
      { name: "PUSH_PROMISE from the client", bytes: () => frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.alloc(4)), code: ErrorCode.PROTOCOL_ERROR },
    ];
    const results = await Promise.all(
      cases.map(async ({ name, bytes, code }) => {
        const c = await leanConnection();
        const from = c.frames.length;
        c.send(bytes(c));
        const g = await c.waitFor(isGoaway, { from, what: `GOAWAY after ${name}` });
        await c.waitClosed();
        const others = c.frames.slice(from).filter((f) => f.type !== FrameType.GOAWAY && f.type !== FrameType.WINDOW_UPDATE);
        return { name, goaway: { ...goaway(g), streamId: g.streamId }, others: others.length, expected: { lastStreamId: 1, code, streamId: 0 } };
      }),
    );
    for (const r of results) expect({ name: r.name, goaway: r.goaway, others: r.others }).toEqual({ name: r.name, goaway: r.expected, others: 0 });
  });

  it("8. answers malformed requests with RST_STREAM PROTOCOL_ERROR and keeps serving the connection", async () => {
    const c = await leanConnection();
    const body = issueBody();
    const without = (fields: string[], name: string) => {
      const i = fields.indexOf(name);
      return [...fields.slice(0, i), ...fields.slice(i + 2)];
    };
    const cases: Array<{ name: string; fields: string[] }> = [
      { name: "an upper-case field name", fields: grpcFields(c, ISSUE, ["X-Upper", "1"]) },
      { name: "a connection header", fields: grpcFields(c, ISSUE, ["connection", "keep-alive"]) },
      { name: "no :path", fields: without(grpcFields(c), ":path") },
      { name: "te: gzip", fields: [...without(grpcFields(c), "te"), "te", "gzip"] },
      { name: "content-length above the body", fields: grpcFields(c, ISSUE, ["content-length", String(body.length + 1)]) },
      { name: "content-length below the body", fields: grpcFields(c, ISSUE, ["content-length", "3"]) },
      { name: "a pseudo-header after a regular field", fields: [...grpcFields(c), ":authority", "x"] },
    ];
    let id = 3;
    const results: Array<{ name: string; frames: Array<[number, number]>; rst: number | undefined }> = [];
    for (const { name, fields } of cases) {
      const from = c.frames.length;
      c.send(headersFrame(id, fields), dataFrame(id, body, { endStream: true }));
      const a = await c.answer(id, from);
      results.push({ name, frames: a.frames.map((f) => [f.type, f.flags]), rst: a.rst });
      id += 2;
    }
    for (const r of results) expect(r).toEqual({ name: r.name, frames: [[FrameType.RST_STREAM, 0]], rst: ErrorCode.PROTOCOL_ERROR });
    // Content-length that matches is fine.
    const from = c.frames.length;
    c.send(headersFrame(id, grpcFields(c, ISSUE, ["content-length", String(body.length)])), dataFrame(id, body, { endStream: true }));
    expectToken(await c.answer(id, from));
    expectToken(await issue(c, id + 2));

    // HEADERS on a closed stream: ignored (RFC 9113 §5.1 lets an endpoint ignore it or call it a
    // connection error), but its block still decoded: the entry it adds to the HPACK table
    // (literal with incremental indexing, "x-dyn: v") is there for the next request to index (62).
    const literal = Buffer.concat([Buffer.from([0x40, 5]), Buffer.from("x-dyn"), Buffer.from([1]), Buffer.from("v")]);
    const mark = c.frames.length;
    c.send(headersFrame(1, Buffer.concat([encodeHeaderBlock(grpcFields(c)), literal])), dataFrame(1, body, { endStream: true }));
    const next = id + 4;
    c.send(headersFrame(next, Buffer.concat([encodeHeaderBlock(grpcFields(c)), Buffer.from([0x80 | 62])])), dataFrame(next, body, { endStream: true }));
    expectToken(await c.answer(next, mark));
    await c.ping();
    expect(c.frames.slice(mark).filter((f) => f.streamId === 1)).toEqual([]);
    expect(c.frames.some(isGoaway)).toBe(false);
    expect(c.isClosed).toBe(false);
  });

  // connect's URL and fetch Headers refuse some of what HTTP/2 allows: such requests must become
  // stream errors, a 400 or a served call, never an exception out of the session.
  it("8b. requests connect's URL or Headers would refuse are stream errors or served, never an exception out of the session", async () => {
    const body = envelope(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "" })));
    const cases: Array<{ name: string; fields: (c: RawH2) => string[]; expected: "served" | "reset-or-400" | "reset" }> = [
      // "@" is allowed in an HTTP/2 field name (RFC 9113 §8.2.1 only excludes 0x00-0x20, A-Z, 0x7f-0xff); node:http2 serves it.
      { name: "a field name with @", fields: (c) => grpcFields(c, HEALTH_CHECK, ["x@y", "1"]), expected: "served" },
      // NUL in a field value makes the request malformed (RFC 9113 §8.2.1): RST_STREAM PROTOCOL_ERROR.
      { name: "NUL in a field value", fields: (c) => grpcFields(c, HEALTH_CHECK, ["x-a", "a\u0000b"]), expected: "reset" },
      // Not a URI authority (RFC 3986); node:http2 resets the stream (PROTOCOL_ERROR). A 400 would do too.
      {
        name: "an :authority with a space",
        fields: (c) => grpcFields(c, HEALTH_CHECK).map((v, i, all) => (all[i - 1] === ":authority" ? "a b" : v)),
        expected: "reset-or-400",
      },
    ];
    const results = await Promise.all(
      cases.map(async ({ name, fields, expected }) => {
        const c = await leanConnection();
        try {
          const from = c.frames.length;
          c.send(headersFrame(3, fields(c)), dataFrame(3, body, { endStream: true }));
          const end = await c.waitFor((f) => f.streamId === 3 && f.endsStream, { from, timeoutMs: 2000, what: `the end of stream 3 (${name})` }).catch(() => undefined);
          if (!end) return { name, outcome: "no answer" };
          const a = await c.answer(3, from);
          expectToken(await issue(c, 5)); // the connection goes on
          const outcome =
            a.rst === ErrorCode.PROTOCOL_ERROR && a.frames.length === 1
              ? "reset"
              : field(a.headers, ":status") === "400"
                ? "400"
                : field(a.headers, ":status") === "200" && field(a.trailers, "grpc-status") === "0"
                  ? "served"
                  : JSON.stringify({ headers: a.headers, trailers: a.trailers, rst: a.rst });
          return { name, outcome: expected === "reset-or-400" && (outcome === "reset" || outcome === "400") ? expected : outcome };
        } finally {
          c.close();
        }
      }),
    );
    expect(results).toEqual(cases.map(({ name, expected }) => ({ name, outcome: expected })));
  });

  it("9. a stream the client resets after a complete request gets no answer; the connection goes on", async () => {
    const c = await leanConnection();
    const okCalls = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith("controlplane_rpc_requests_total{") && l.includes('method="IssueToken"') && l.includes('code="ok"'));
      return Number(line?.split(" ").pop() ?? 0);
    };
    const before = await okCalls();
    const from = c.frames.length;
    c.send(headersFrame(3, grpcFields(c)), dataFrame(3, issueBody(), { endStream: true }), rstStreamFrame(3, ErrorCode.CANCEL));
    expectToken(await issue(c, 5));
    // Wait until the reset call's handler has finished too (both calls counted), then flush the session.
    const deadline = Date.now() + 5000;
    while ((await okCalls()) < before + 2) if (Date.now() > deadline) throw new Error("the reset call never finished");
    await c.ping();
    expect(c.frames.slice(from).filter((f) => f.streamId === 3)).toEqual([]);
    expect(c.frames.some(isGoaway)).toBe(false);
    expectToken(await issue(c, 7));
  });

  it("10. refuses streams beyond MAX_CONCURRENT_STREAMS (100) with REFUSED_STREAM; reset ones free their slots", async () => {
    const c = await leanConnection();
    const held = Array.from({ length: 100 }, (_, i) => 3 + 2 * i); // 3..201, bodies never sent
    let from = c.frames.length;
    c.send(...held.map((id) => headersFrame(id, grpcFields(c))), headersFrame(203, grpcFields(c)), dataFrame(203, issueBody(), { endStream: true }));
    const refused = await c.answer(203, from);
    expect(refused.frames.map((f) => [f.type, f.flags])).toEqual([[FrameType.RST_STREAM, 0]]);
    expect(refused.rst).toBe(ErrorCode.REFUSED_STREAM);
    await c.ping();
    expect(c.frames.slice(from).filter((f) => f.streamId !== 0 && f.streamId !== 203)).toEqual([]);

    // Two held streams reset by the client: two slots free, for two complete calls.
    from = c.frames.length;
    c.send(rstStreamFrame(3, ErrorCode.CANCEL), rstStreamFrame(5, ErrorCode.CANCEL));
    const [a, b] = await Promise.all([issue(c, 205), issue(c, 207)]);
    expectToken(a);
    expectToken(b);
    // Now 98 in flight: two more held streams fit, the third is refused.
    from = c.frames.length;
    c.send(headersFrame(209, grpcFields(c)), headersFrame(211, grpcFields(c)), headersFrame(213, grpcFields(c), { endStream: true }));
    expect((await c.answer(213, from)).rst).toBe(ErrorCode.REFUSED_STREAM);
    await c.ping();
    expect(c.frames.slice(from).filter((f) => f.streamId === 209 || f.streamId === 211)).toEqual([]);
    // Completing a held stream's body answers it and frees its slot.
    from = c.frames.length;
    c.send(dataFrame(7, issueBody(), { endStream: true }));
    expectToken(await c.answer(7, from));
    expectToken(await issue(c, 215));
    expect(c.frames.some(isGoaway)).toBe(false);
    c.close();
  });
});

describe("lean HTTP/2: limits a peer cannot get around", () => {
  it("counts answers held back by the peer's flow control against MAX_CONCURRENT_STREAMS", async () => {
    // A stream window of 0: every answer's DATA waits for a WINDOW_UPDATE that never comes.
    const c = await connect({ settings: [[Setting.INITIAL_WINDOW_SIZE, 0]] });
    const ids = Array.from({ length: 100 }, (_, i) => 1 + 2 * i);
    let from = c.frames.length;
    c.send(...ids.flatMap((id) => [headersFrame(id, grpcFields(c)), dataFrame(id, issueBody(), { endStream: true })]));
    await Promise.all(ids.map((id) => c.waitFor((f) => f.streamId === id && f.type === FrameType.HEADERS, { from, what: `stream ${id}'s HEADERS` })));
    from = c.frames.length;
    c.send(headersFrame(201, grpcFields(c)), dataFrame(201, issueBody(), { endStream: true }));
    expect((await c.answer(201, from)).rst).toBe(ErrorCode.REFUSED_STREAM);
    // The window opens: the held answers complete and the slots come back.
    from = c.frames.length;
    c.send(settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 65_535]]));
    await Promise.all(ids.map((id) => c.waitFor((f) => f.streamId === id && f.endsStream, { from, what: `the end of stream ${id}` })));
    expectToken(await issue(c, 203));
    c.close();
  });

  it("a malformed PRIORITY on an open stream resets it and frees its slot (nothing left in flight)", async () => {
    const c = await leanConnection();
    let from = c.frames.length;
    c.send(headersFrame(3, grpcFields(c)), frame(FrameType.PRIORITY, 0, 3, Buffer.alloc(4)));
    expect((await c.answer(3, from)).rst).toBe(ErrorCode.FRAME_SIZE_ERROR);
    // 100 held streams fit afterwards: the reset one no longer counts.
    const held = Array.from({ length: 100 }, (_, i) => 5 + 2 * i);
    from = c.frames.length;
    c.send(...held.map((id) => headersFrame(id, grpcFields(c))));
    await c.ping();
    expect(c.frames.slice(from).filter((f) => f.type === FrameType.RST_STREAM)).toEqual([]);
    c.close();
  });
});

describe("lean HTTP/2: routing a connection with a large first request", () => {
  it("hands an h2c connection opening with a whole window of Connect call to node:http2, which answers it", async () => {
    // A client may send a whole stream window of body (more than the 64 KiB the router reads
    // before a decision) before it reads the server's SETTINGS.
    const c = await connect({ autoAck: false });
    const body = Buffer.alloc(65_535, 0x20);
    const fields = [":method", "POST", ":scheme", "http", ":path", `/${TokenService.typeName}/IssueToken`, ":authority", c.authority, "content-type", "application/json"];
    const from = c.frames.length;
    c.send(headersFrame(1, fields), dataFrame(1, body.subarray(0, 16_384)), dataFrame(1, body.subarray(16_384, 32_768)), dataFrame(1, body.subarray(32_768, 49_152)), dataFrame(1, body.subarray(49_152, 65_535), { endStream: true }));
    await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, { what: "the server's SETTINGS" });
    c.send(frame(FrameType.SETTINGS, Flag.ACK, 0));
    // node:http2 then answers: Connect refuses the oversized JSON body, the connection stays up.
    const a = await c.answer(1, from);
    expect(field(a.headers, ":status")).toMatch(/^(4\d\d)$/);
    expect(c.frames.some(isGoaway)).toBe(false);
    c.close();
  });
});

describe("lean HTTP/2: what a lean connection serves", () => {
  /** One request on a raw connection whose first request is a gRPC IssueToken (lean on `server`, node:http2 on `viaNode`). */
  async function answerOn(target: TestServer, fields: (c: RawH2) => string[], body: Buffer | null) {
    const c = await leanConnection({}, target.url, target === viaNode ? viaNodeApp : app);
    const from = c.frames.length;
    c.send(headersFrame(3, fields(c), { endStream: body === null }), ...(body ? [dataFrame(3, body, { endStream: true })] : []));
    const a = await c.answer(3, from);
    c.close();
    const { date, ...headers } = fieldsObject(a.headers);
    return { headers, date, data: a.data.toString("hex"), trailers: a.trailers ? fieldsObject(a.trailers) : undefined, rst: a.rst };
  }

  it("11a. answers a non-RPC path (GET /healthz) with 421 and a text body", async () => {
    const c = await leanConnection();
    const from = c.frames.length;
    c.send(headersFrame(3, getFields(c, "/healthz"), { endStream: true }));
    const a = await c.answer(3, from);
    expect(a.frames.map((f) => [f.type, f.flags])).toEqual([
      [FrameType.HEADERS, Flag.END_HEADERS],
      [FrameType.DATA, Flag.END_STREAM],
    ]);
    expect(fieldsObject(a.headers)).toMatchObject({ ":status": "421", "content-type": "text/plain;charset=utf-8" });
    expect(a.data.toString()).toBe("this connection carries gRPC calls; send GET /healthz on a new connection\n");
    expectToken(await issue(c, 5));
  });

  // gRPC clients read connect's 404 as UNIMPLEMENTED; a 421 would send them to another connection, routed here again.
  it("11b. answers an unknown RPC path as node:http2 (connect) does", async () => {
    const fields = (c: RawH2) => grpcFields(c, `/${TokenService.typeName}/Nope`);
    const body = envelope(new Uint8Array(0));
    const [lean, node] = await Promise.all([answerOn(server, fields, body), answerOn(viaNode, fields, body)]);
    expect(lean.headers[":status"]).toBe(node.headers[":status"]);
    expect({ ...lean, date: undefined }).toEqual({ ...node, date: undefined });
  });

  it("11c. answers another RPC (grpc.health.v1.Health/Check) exactly as node:http2 does", async () => {
    for (const service of ["", "no.such.Service"]) {
      const body = envelope(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service })));
      const fields = (c: RawH2) => grpcFields(c, HEALTH_CHECK);
      const [lean, node] = await Promise.all([answerOn(server, fields, body), answerOn(viaNode, fields, body)]);
      expect(lean.date).toMatch(/GMT$/);
      expect({ ...lean, date: undefined }).toEqual({ ...node, date: undefined });
      if (service === "") {
        expect(lean.trailers).toEqual({ "grpc-status": "0" });
        const message = Buffer.from(lean.data, "hex");
        expect(fromBinary(HealthCheckResponseSchema, message.subarray(5)).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      } else {
        expect(lean.trailers?.["grpc-status"]).toBe("5");
      }
    }
  });
});

describe("lean HTTP/2: routing and closing", () => {
  it("12. leaves connections that open with anything but gRPC to node:http2 (the SETTINGS ACK stripped), and serves grpc-js", async () => {
    // Raw, first request GET /healthz, our ACK of the empty SETTINGS arriving after it, then before it.
    for (const ackFirst of [false, true]) {
      const c = await connect();
      if (ackFirst) await c.waitFor((f) => f.type === FrameType.SETTINGS && f.flags === 0, { what: "the empty SETTINGS" });
      let from = c.frames.length;
      c.send(headersFrame(1, getFields(c, "/healthz"), { endStream: true }));
      const first = await c.answer(1, from);
      expect(field(first.headers, ":status")).toBe("200");
      expect(JSON.parse(first.data.toString())).toEqual({ status: "ok" });
      expectToken(await issue(c, 3)); // gRPC on node:http2 (the direct path there)
      from = c.frames.length;
      c.send(headersFrame(5, getFields(c, "/healthz"), { endStream: true }));
      expect(field((await c.answer(5, from)).headers, ":status")).toBe("200"); // not 421: node:http2
      await c.ping();
      expect(c.frames.some(isGoaway)).toBe(false);
      c.close();
    }

    // node:http2's own client.
    const session = http2.connect(server.url);
    session.on("error", () => undefined);
    try {
      const request = (headers: http2.OutgoingHttpHeaders, body?: Buffer) =>
        new Promise<{ status: number; body: Buffer; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
          const req = session.request(headers);
          let status = 0;
          let trailers: http2.IncomingHttpHeaders = {};
          const chunks: Buffer[] = [];
          req.on("response", (h) => (status = Number(h[":status"])));
          req.on("trailers", (t) => (trailers = t));
          req.on("data", (chunk: Buffer) => chunks.push(chunk));
          req.on("error", reject);
          req.on("end", () => resolve({ status, body: Buffer.concat(chunks), trailers }));
          req.end(body);
        });
      for (let i = 0; i < 3; i++) expect((await request({ ":path": "/healthz" })).status).toBe(200);
      const grpcAnswer = await request({ ":method": "POST", ":path": ISSUE, "content-type": "application/grpc", te: "trailers" }, issueBody());
      expect(grpcAnswer.trailers["grpc-status"]).toBe("0");
      expect(fromBinary(IssueTokenResponseSchema, grpcAnswer.body.subarray(5)).tokenType).toBe("Bearer");
      expect((await request({ ":path": "/healthz" })).status).toBe(200);
    } finally {
      session.close();
    }

    // connect-node's Connect protocol over HTTP/2: several calls on its one session.
    const health = createClient(Health, createConnectTransport({ baseUrl: server.url, httpVersion: "2" }));
    for (let i = 0; i < 3; i++) expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);

    // grpc-js: its first request is gRPC, so the lean session.
    const js = grpcJsIssueTokenClient(server.url);
    try {
      for (let i = 0; i < 3; i++) expect((await js.issueToken(app)).response?.tokenType).toBe("Bearer");
    } finally {
      js.close();
    }
  });

  it("13. closes gracefully: GOAWAY NO_ERROR, the call in flight answered, new streams ignored, then the socket ends", async () => {
    const closingApp = await onboard(closing.url);
    const c = await connect({}, closing.url);
    const from1 = c.frames.length;
    c.send(headersFrame(1, grpcFields(c)), dataFrame(1, issueBody(closingApp), { endStream: true }));
    expectToken(await c.answer(1, from1));

    // A call in flight: its body half sent (the stream's WINDOW_UPDATE says the server read it).
    const body = issueBody(closingApp);
    let from = c.frames.length;
    c.send(headersFrame(3, grpcFields(c)), dataFrame(3, body.subarray(0, 10)));
    await c.waitFor((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 3, { from, what: "the stream's WINDOW_UPDATE" });

    from = c.frames.length;
    closingClosed = true;
    const closed = closing.close();
    const g = await c.waitFor(isGoaway, { from, what: "GOAWAY" });
    expect(goaway(g)).toEqual({ lastStreamId: 3, code: ErrorCode.NO_ERROR });
    expect(c.isClosed).toBe(false);

    // A stream opened after GOAWAY is ignored; the one in flight is completed and answered.
    c.send(headersFrame(5, grpcFields(c)), dataFrame(5, issueBody(closingApp), { endStream: true }));
    c.send(dataFrame(3, body.subarray(10), { endStream: true }));
    expectToken(await c.answer(3, from));
    await c.waitClosed();
    await closed;
    expect(c.frames.filter((f) => f.streamId === 5)).toEqual([]);
    expect(c.frames.filter(isGoaway)).toHaveLength(1);
  });
});
