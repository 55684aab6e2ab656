/**
 * Requests over the enveloped protocols that carry no message, two, or a cut-off envelope are the
 * caller's mistake: INVALID_ARGUMENT, where connect alone answered UNIMPLEMENTED ("missing input
 * message", a 5xx-class code that also claims the method does not exist). A message connect
 * cannot decode stays connect's INTERNAL `parse binary: …` (gRPC's convention), also for a
 * server-streaming call, and is never logged as our error. Found by the wire fuzzer (test/fuzz).
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { envelope, Wire, type Encoding } from "../fuzz/support/wire.js";

let server: TestServer;
let wire: Wire;
beforeAll(async () => {
  server = await startTestServer();
  wire = new Wire(server.url);
});
afterAll(async () => {
  wire.close();
  await server.close();
});

const headers = { authorization: `Bearer ${OPERATOR_TOKEN}` };
const GET_TENANT = "/trueparser.controlplane.v1.TenantService/GetTenant";
const WATCH = "/grpc.health.v1.Health/Watch";
const NONE = "protocol error: the request carries no message; send exactly one";
const TWO = "protocol error: the request carries more than one message; send exactly one";
const CUT = "protocol error: the request ends inside a message envelope (its length prefix promises more)";

describe("request framing", () => {
  it.each<[string, Encoding, string, boolean, Uint8Array, string]>([
    ["gRPC, no message", "grpc", GET_TENANT, false, new Uint8Array(0), NONE],
    ["gRPC-Web, no message", "grpc-web", GET_TENANT, false, new Uint8Array(0), NONE],
    ["gRPC, two messages", "grpc", GET_TENANT, false, Uint8Array.from([...envelope(0, new Uint8Array(0)), ...envelope(0, new Uint8Array(0))]), TWO],
    ["gRPC, a length prefix promising 7 bytes and none after it", "grpc", GET_TENANT, false, Uint8Array.from([0, 0, 0, 0, 7]), CUT],
    ["gRPC-Web, half an envelope header", "grpc-web", GET_TENANT, false, Uint8Array.from([0, 0]), CUT],
    ["Connect streaming, no message", "connect-proto", WATCH, true, new Uint8Array(0), NONE],
    ["gRPC server streaming, no message", "grpc", WATCH, true, new Uint8Array(0), NONE],
  ])("answers %s with INVALID_ARGUMENT", async (_what, encoding, path, streaming, body, message) => {
    const answer = await wire.call({ path, encoding, streaming, headers, body, raw: true });
    expect(answer).toMatchObject({ code: Code.InvalidArgument, message });
  });

  it("still serves one message, and an empty one is a message", async () => {
    const answer = await wire.call({ path: "/trueparser.controlplane.v1.TenantService/ListTenants", encoding: "grpc", streaming: false, headers, body: new Uint8Array(0) });
    expect(answer).toEqual({ httpStatus: 200, code: undefined, message: "" });
  });

  it("passes connect's INTERNAL for undecodable protobuf on, unary or streaming, without logging an error", async () => {
    const junk = Uint8Array.from([0x0a, 0x05, 0x61]); // a 5-byte string field with 1 byte
    for (const [path, streaming] of [[GET_TENANT, false], [WATCH, true]] as const) {
      const answer = await wire.call({ path, encoding: "grpc", streaming, headers, body: junk });
      expect(answer.code).toBe(Code.Internal);
      expect(answer.message).toMatch(/^parse binary: /);
    }
    expect(server.logs.filter((l) => l.level === "error")).toEqual([]);
  });
});
