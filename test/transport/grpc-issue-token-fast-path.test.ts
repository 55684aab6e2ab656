/**
 * gRPC TokenService/IssueToken's direct path (src/transport/grpc/issue-token-fast-path.ts): real
 * clients (@grpc/grpc-js and connect-node's gRPC transport) get tokens and refusals from it, and on
 * the wire it answers exactly what connect-node answers — compared call by call with a second
 * server that has the direct path turned off.
 */
import http2 from "node:http2";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  IssueTokenRequestSchema,
  IssueTokenResponseSchema,
  TokenService,
  type IssueTokenResponse,
} from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { clientFor, failure, grpcJsIssueTokenClient, type Protocol } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

const PATH = `/${TokenService.typeName}/IssueToken`;
type RequestInit = MessageInitShape<typeof IssueTokenRequestSchema>;
const MAX_MESSAGE_BYTES = 2048;

let fast: TestServer;
let viaConnect: TestServer;
beforeAll(async () => {
  const env = { MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) };
  [fast, viaConnect] = await Promise.all([startTestServer({ env }), startTestServer({ env, grpcFastPath: false })]);
});
afterAll(() => Promise.all([fast?.close(), viaConnect?.close()]));

async function fastPathCalls(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^controlplane_grpc_issue_token_fast_path_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Runs `fn` and returns how many calls the direct path served meanwhile. */
async function served(server: TestServer, fn: () => Promise<unknown>): Promise<number> {
  const before = await fastPathCalls(server);
  await fn();
  return (await fastPathCalls(server)) - before;
}

/** A gRPC message frame (5-byte prefix), as connect encodes it. */
const frame = (message: Uint8Array, flags = 0): Buffer => Buffer.from(encodeEnvelope(flags, message));

const requestBytes = (m: RequestInit) => toBinary(IssueTokenRequestSchema, create(IssueTokenRequestSchema, m));

interface WireAnswer {
  headers: Record<string, unknown>;
  trailers: Record<string, unknown> | undefined;
  body: Buffer;
  rstCode: number;
}

/** One gRPC call over a fresh HTTP/2 connection, everything the client sees (but the date). */
async function wire(server: TestServer, body: Buffer, headers: Record<string, string> = {}): Promise<WireAnswer> {
  const session = http2.connect(server.url);
  session.on("error", () => undefined);
  try {
    return await new Promise<WireAnswer>((resolve) => {
      const req = session.request({ ":method": "POST", ":path": PATH, "content-type": "application/grpc", te: "trailers", ...headers });
      let responseHeaders: Record<string, unknown> = {};
      let trailers: Record<string, unknown> | undefined;
      const chunks: Buffer[] = [];
      const plain = (h: http2.IncomingHttpHeaders) => {
        const { date: _date, ...rest } = Object.fromEntries(Object.entries(h));
        return rest;
      };
      req.on("response", (h) => (responseHeaders = plain(h)));
      req.on("trailers", (t) => (trailers = plain(t)));
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("error", () => undefined);
      req.on("close", () => resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks), rstCode: req.rstCode ?? 0 }));
      req.end(body);
    });
  } finally {
    session.close();
  }
}

/** The wire answer with what legitimately differs between two servers (the token) taken out. */
function comparable(a: WireAnswer) {
  const success = a.trailers?.["grpc-status"] === "0";
  return { ...a, body: success ? `${a.body.length > 5 ? "one message" : "no message"}` : a.body.toString("hex") };
}

function decodeResponse(a: WireAnswer): IssueTokenResponse {
  expect(a.body.readUInt32BE(1)).toBe(a.body.length - 5);
  return fromBinary(IssueTokenResponseSchema, a.body.subarray(5));
}

async function verifies(server: TestServer, accessToken: string, clientId: string) {
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
    issuer: server.url,
    audience: "trueparser-api",
    typ: "at+jwt",
    currentDate: server.clock.now(),
  });
  expect(protectedHeader.alg).toBe("ES256");
  expect(payload.client_id).toBe(clientId);
}

const grpcJsClient = (server: TestServer) => grpcJsIssueTokenClient(server.url);

describe("gRPC IssueToken on the direct path", () => {
  it("issues a token that verifies against the JWKS, to @grpc/grpc-js and to connect's gRPC transport", async () => {
    const { clientId, clientSecret } = await onboard(fast.url);
    const js = grpcJsClient(fast);
    try {
      let got: Awaited<ReturnType<typeof js.issueToken>> = {};
      expect(await served(fast, async () => (got = await js.issueToken({ clientId, clientSecret })))).toBe(1);
      expect(got.error).toBeUndefined();
      expect(got.response).toMatchObject({ tokenType: "Bearer", expiresIn: 3600n });
      await verifies(fast, got.response!.accessToken, clientId);
    } finally {
      js.close();
    }
    const rpc = clientFor(TokenService, fast.url, { token: null, protocol: "grpc" });
    let viaConnectClient: IssueTokenResponse | undefined;
    expect(await served(fast, async () => (viaConnectClient = await rpc.issueToken({ clientId, clientSecret })))).toBe(1);
    await verifies(fast, viaConnectClient!.accessToken, clientId);
  });

  it("refuses a wrong secret and an unknown client as before: UNAUTHENTICATED, INVALID_CLIENT", async () => {
    fast.clock.advance(60_000);
    const { clientId } = await onboard(fast.url);
    const rpc = clientFor(TokenService, fast.url, { token: null, protocol: "grpc" });
    const js = grpcJsClient(fast);
    try {
      for (const [id, secret] of [
        [clientId, generateSecret("tpcs")],
        ["tpc_00000000000000000000000000000000", generateSecret("tpcs")],
      ] as const) {
        const expected = { code: Code.Unauthenticated, message: "client authentication failed", reason: "INVALID_CLIENT" };
        expect(await served(fast, async () => expect(await failure(rpc.issueToken({ clientId: id, clientSecret: secret }))).toMatchObject(expected))).toBe(1);
        const { error } = await js.issueToken({ clientId: id, clientSecret: secret });
        expect(error).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: "client authentication failed" });
      }
    } finally {
      js.close();
    }
  });

  it("throttles wrong secrets per client and per source address, shared with the other paths", async () => {
    fast.clock.advance(600_000); // earlier failures from this address have drained
    const { clientId, clientSecret } = await onboard(fast.url);
    const rpc = clientFor(TokenService, fast.url, { token: null, protocol: "grpc" });
    await rpc.issueToken({ clientId, clientSecret }); // known good: never throttled
    const codes: Code[] = [];
    for (let i = 0; i < 12; i++) codes.push((await failure(rpc.issueToken({ clientId, clientSecret: generateSecret("tpcs") }))).code);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(Code.Unauthenticated));
    expect(codes.slice(10)).toEqual([Code.ResourceExhausted, Code.ResourceExhausted]);
    expect(await failure(rpc.issueToken({ clientId, clientSecret: generateSecret("tpcs") }))).toMatchObject({
      reason: "TOO_MANY_FAILED_ATTEMPTS",
      metadata: { retry_after: expect.stringMatching(/^\d+$/) },
    });
    expect((await rpc.issueToken({ clientId, clientSecret })).accessToken).not.toBe("");

    // The source address is the socket's, as on every other path: failures over the direct path
    // empty the address's bucket for the OAuth endpoint too.
    fast.clock.advance(600_000);
    for (let i = 0; i < 100; i++) await failure(rpc.issueToken({ clientId: `tpc_${i.toString(16).padStart(32, "0")}`, clientSecret: "x" }));
    expect(await failure(rpc.issueToken({ clientId: "tpc_ffffffffffffffffffffffffffffffff", clientSecret: "x" }))).toMatchObject({
      code: Code.ResourceExhausted,
      reason: "TOO_MANY_FAILED_ATTEMPTS",
    });
    const overHttp = await fetch(`${fast.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: "tpc_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", client_secret: "x" }),
    });
    expect(overHttp.status).toBe(429);
  });

  it("refuses a malformed body and an oversized message with connect's codes", async () => {
    const garbage = await wire(fast, frame(Buffer.from([0xff, 0xff, 0xff])));
    expect(garbage.trailers).toMatchObject({ "grpc-status": String(Code.Internal), "grpc-message": expect.stringMatching(/^parse%20binary/) });

    const big = clientFor(TokenService, fast.url, { token: null, protocol: "grpc" });
    const tooLarge = await failure(big.issueToken({ clientId: "x".repeat(MAX_MESSAGE_BYTES + 1), clientSecret: "s" }));
    expect(tooLarge.code).toBe(Code.ResourceExhausted);
    expect(tooLarge.message).toMatch(/larger than configured readMaxBytes 2048/);
    const js = grpcJsClient(fast);
    try {
      const { error } = await js.issueToken({ clientId: "x".repeat(MAX_MESSAGE_BYTES + 1), clientSecret: "s" });
      expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      js.close();
    }
  });

  it("leaves gRPC-Web, Connect, compressed requests and calls with credentials headers to connect-node", async () => {
    fast.clock.advance(600_000);
    const { clientId, clientSecret } = await onboard(fast.url);
    for (const protocol of ["grpc-web-h1", "connect-binary-h2", "connect-json-h1"] as Protocol[]) {
      const rpc = clientFor(TokenService, fast.url, { token: null, protocol });
      expect(await served(fast, async () => expect((await rpc.issueToken({ clientId, clientSecret })).tokenType).toBe("Bearer")), protocol).toBe(0);
    }
    const message = requestBytes({ clientId, clientSecret });
    const odd: Array<Record<string, string>> = [
      { "grpc-encoding": "gzip" },
      { authorization: "Basic eA==" },
      { cookie: "a=b" },
      { "grpc-timeout": "soon" },
      { "content-type": "application/grpc+json" },
    ];
    for (const headers of odd) {
      expect(await served(fast, () => wire(fast, frame(message), headers)), JSON.stringify(headers)).toBe(0);
    }
    expect(await served(fast, () => wire(fast, frame(message), { "grpc-encoding": "identity", "grpc-timeout": "5S" }))).toBe(1);
  });
});

describe("gRPC IssueToken: the direct path answers as connect-node does", () => {
  /** The same sequence of calls against both servers, each with its own freshly onboarded app. */
  async function both(calls: (server: TestServer, app: { clientId: string; clientSecret: string }) => Promise<WireAnswer[]>) {
    fast.clock.advance(600_000);
    viaConnect.clock.advance(600_000);
    const run = async (server: TestServer) => calls(server, await onboard(server.url));
    const [a, b] = [await run(fast), await run(viaConnect)];
    return { fast: a.map(comparable), connect: b.map(comparable), raw: { fast: a, connect: b } };
  }

  it("for a token, with and without response compression offered", async () => {
    const r = await both(async (_server, { clientId, clientSecret }) => {
      const message = requestBytes({ clientId, clientSecret });
      const server = _server;
      return [
        await wire(server, frame(message)),
        await wire(server, frame(message), { "content-type": "application/grpc+proto", "grpc-accept-encoding": "identity,deflate,gzip" }),
        await wire(server, frame(message), { "grpc-accept-encoding": "br", "grpc-timeout": "1n" }),
      ];
    });
    expect(r.fast).toEqual(r.connect);
    expect(r.fast[0]!.headers).toEqual({ ":status": 200, "content-type": "application/grpc+proto" });
    expect(r.fast[1]!.headers).toMatchObject({ "grpc-encoding": "gzip" });
    expect(r.fast.every((a) => a.trailers?.["grpc-status"] === "0")).toBe(true);
    for (const answers of [r.raw.fast, r.raw.connect]) for (const a of answers) expect(decodeResponse(a).tokenType).toBe("Bearer");
  });

  it("for a token large enough to be compressed (compressMinBytes)", async () => {
    const long = (c: string) => `${c.repeat(60)}.${c.repeat(60)}.${c.repeat(60)}.example`;
    const allowedDomains = [long("a"), long("b"), long("c")];
    const answers = { fast: [] as WireAnswer[], connect: [] as WireAnswer[] };
    for (const [name, server] of [["fast", fast], ["connect", viaConnect]] as const) {
      const { clientId, clientSecret } = await onboard(server.url, { allowedDomains });
      for (const accept of ["gzip", "br"]) answers[name].push(await wire(server, frame(requestBytes({ clientId, clientSecret })), { "grpc-accept-encoding": accept }));
    }
    expect(answers.fast.map(comparable)).toEqual(answers.connect.map(comparable));
    for (const a of [...answers.fast, ...answers.connect]) {
      expect(a.body[0]).toBe(1); // compressed flag
      const inflate = a.headers["grpc-encoding"] === "gzip" ? gunzipSync : brotliDecompressSync;
      const token = fromBinary(IssueTokenResponseSchema, inflate(a.body.subarray(5))).accessToken;
      expect(token.length).toBeGreaterThan(1024);
    }
  });

  it("for refusals: codes, messages and grpc-status-details-bin, byte for byte", async () => {
    const r = await both(async (server, { clientId, clientSecret }) => {
      const wrong = generateSecret("tpcs");
      const answers = [
        await wire(server, frame(requestBytes({ clientId: "tpc_00000000000000000000000000000000", clientSecret }))),
        await wire(server, frame(requestBytes({ clientId, clientSecret, scope: "read" }))),
        await wire(server, frame(requestBytes({ clientId: "a\u0000b", clientSecret: "s" }))),
      ];
      for (let i = 0; i < 12; i++) answers.push(await wire(server, frame(requestBytes({ clientId, clientSecret: wrong }))));
      return answers;
    });
    expect(r.fast).toEqual(r.connect);
    expect(r.fast.map((a) => a.trailers?.["grpc-status"])).toEqual(["16", "3", "16", ...Array(10).fill("16"), "8", "8"]);
    expect(r.fast.every((a) => typeof a.trailers?.["grpc-status-details-bin"] === "string")).toBe(true);
  });

  it("for bodies that are not one well-formed message", async () => {
    const r = await both(async (server, { clientId, clientSecret }) => {
      const message = requestBytes({ clientId, clientSecret });
      const oversize = Buffer.alloc(5);
      oversize.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 1);
      const lengthOnly = Buffer.alloc(5);
      lengthOnly.writeUInt32BE(10, 1);
      return [
        await wire(server, Buffer.alloc(0)), // no message
        await wire(server, frame(message).subarray(0, 3)), // incomplete prefix
        await wire(server, frame(message).subarray(0, 20)), // incomplete message
        await wire(server, Buffer.concat([frame(message), frame(message)])), // two messages
        await wire(server, frame(message, 1)), // compressed flag without grpc-encoding
        await wire(server, frame(Buffer.from([0x0a, 0xff]))), // truncated field
        await wire(server, Buffer.concat([oversize, Buffer.alloc(MAX_MESSAGE_BYTES + 1)])), // over MAX_MESSAGE_BYTES
        await wire(server, Buffer.concat([frame(message), lengthOnly])), // a second prefix with no bytes after it
      ];
    });
    expect(r.fast).toEqual(r.connect);
    expect(r.fast.map((a) => a.trailers?.["grpc-status"])).toEqual(["12", "3", "3", "12", "13", "13", "8", "0"]);
  });

  it("counts and logs calls the same way in /metrics and the log", async () => {
    const rpcLines = async (server: TestServer) =>
      (await (await fetch(`${server.url}/metrics`)).text())
        .split("\n")
        .filter((l) => /^controlplane_rpc_(requests_total|duration_seconds_count)\{.*method="IssueToken"/.test(l));
    const failures = (server: TestServer) =>
      server.logs.filter((l) => l.msg === "rpc failed" && l.rpc === `${TokenService.typeName}/IssueToken`).map(({ rpc, code, reason }) => ({ rpc, code, reason }));
    // Every test above made the same calls on both servers but the first five (fast server only),
    // so compare what these make.
    const before = { fast: await rpcLines(fast), connect: await rpcLines(viaConnect), fastLogs: failures(fast).length, connectLogs: failures(viaConnect).length };
    await both(async (server, { clientId, clientSecret }) => [
      await wire(server, frame(requestBytes({ clientId, clientSecret }))),
      await wire(server, frame(requestBytes({ clientId, clientSecret: "nope" }))),
      await wire(server, frame(requestBytes({ clientId, clientSecret, scope: "x" }))),
      await wire(server, Buffer.alloc(0)), // decoding errors are not observed by either
    ]);
    const delta = (after: string[], prior: string[]) => {
      const count = (lines: string[]) => new Map(lines.map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));
      const a = count(after);
      const b = count(prior);
      return Object.fromEntries([...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)]).filter(([, v]) => v !== 0));
    };
    const fastDelta = delta(await rpcLines(fast), before.fast);
    expect(fastDelta).toEqual(delta(await rpcLines(viaConnect), before.connect));
    expect(fastDelta).toEqual({
      'controlplane_rpc_requests_total{service="trueparser.controlplane.v1.TokenService",method="IssueToken",code="ok"}': 1,
      'controlplane_rpc_requests_total{service="trueparser.controlplane.v1.TokenService",method="IssueToken",code="Unauthenticated"}': 1,
      'controlplane_rpc_requests_total{service="trueparser.controlplane.v1.TokenService",method="IssueToken",code="InvalidArgument"}': 1,
      'controlplane_rpc_duration_seconds_count{service="trueparser.controlplane.v1.TokenService",method="IssueToken"}': 3,
    });
    expect(failures(fast).slice(before.fastLogs)).toEqual(failures(viaConnect).slice(before.connectLogs));
    expect(failures(fast).slice(before.fastLogs).map((l) => l.reason)).toEqual(["INVALID_CLIENT", "INVALID_SCOPE"]);
  });
});
