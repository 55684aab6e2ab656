/**
 * Property-based fuzzing of every RPC of every served service, over the wire: random valid-shaped
 * and malformed request messages, driven by the descriptors (SERVED_SERVICES), sent as Connect
 * JSON, Connect binary, gRPC and gRPC-Web, over HTTP/2 and HTTP/1.1, as an operator, anonymously
 * and with bad credentials. Properties: never a 5xx-class answer — except connect's own INTERNAL
 * for a message it cannot parse (`parse binary: …`, and a compressed envelope without an
 * encoding), which follows gRPC's convention for undecodable messages — never a hang, never a
 * crash or an error logged, and the server's RSS afterwards within 20% of what it was after warm-up.
 * Budget and regressions: test/fuzz/support/target.ts, test/fuzz/regressions.ts.
 */
import type { DescMessage } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { CONNECT_DECODING_ERRORS } from "../../src/transport/connect/error-mapping.js";
import { SERVED_SERVICES } from "../../src/transport/connect/routes.js";
import { onPostgres } from "../support/database.js";
import { OPERATOR_TOKEN } from "../support/server.js";
import { encode, malformedBinary, malformedJson, messageArbitrary, type StringPool } from "./support/messages.js";
import { FULL, searchBudgetMs, startTarget, withinMs, type Target } from "./support/target.js";
import { Wire, envelope, type Answer, type Encoding, type Exchange } from "./support/wire.js";
import { RPC_REGRESSIONS } from "./regressions.js";

/** What connect answers INTERNAL by design: a message that cannot be decoded (gRPC convention). */
const ALLOWED_INTERNAL = CONNECT_DECODING_ERRORS;

interface Rpc {
  readonly path: string;
  readonly input: DescMessage;
  readonly streaming: boolean;
}

const RPCS: readonly Rpc[] = SERVED_SERVICES.flatMap((service) =>
  service.methods.map((m) => ({ path: `/${service.typeName}/${m.name}`, input: m.input, streaming: m.methodKind === "server_streaming" })),
);

/** A server fault: an answer whose code maps to a 5xx status, or a 5xx status itself. */
export function fault(answer: Answer): string | undefined {
  if (answer.code === undefined) return answer.httpStatus >= 500 ? `HTTP ${answer.httpStatus}` : undefined;
  if (answer.code === Code.Internal && ALLOWED_INTERNAL.some((re) => re.test(answer.message))) return undefined;
  const status = Math.max(codeToHttpStatus(answer.code), answer.httpStatus === 200 ? 0 : answer.httpStatus);
  return status >= 500 ? `${codeToString(answer.code)} (HTTP ${answer.httpStatus}): ${answer.message}` : undefined;
}

const AUTH = {
  operator: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  anonymous: {},
  garbage: { authorization: "Bearer garbage" },
  forged: { authorization: `Bearer ${generateSecret("tpo")}` },
  malformed: { authorization: "Basic x" },
} as const;

function exchangeArbitrary(pool: StringPool): fc.Arbitrary<Exchange> {
  return fc
    .record({
      rpc: fc.constantFrom(...RPCS),
      encoding: fc.constantFrom<Encoding>("connect-json", "connect-proto", "grpc", "grpc-web"),
      valid: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) }),
      auth: fc.oneof({ weight: 6, arbitrary: fc.constant("operator" as const) }, fc.constantFrom("anonymous" as const, "garbage" as const, "forged" as const, "malformed" as const)),
      http1: fc.boolean(),
      framing: fc.oneof({ weight: 8, arbitrary: fc.constant("normal" as const) }, fc.constantFrom("raw" as const, "compressed-flag" as const, "lying-length" as const)),
    })
    .chain(({ rpc, encoding, valid, auth, http1, framing }) => {
      const json = encoding === "connect-json";
      const body: fc.Arbitrary<Uint8Array> = valid
        ? messageArbitrary(rpc.input, pool).map((m) => {
            const { binary, json: text } = encode(rpc.input, m);
            return json ? new TextEncoder().encode(text ?? "{}") : binary;
          })
        : json
          ? malformedJson(rpc.input)
          : malformedBinary(rpc.input, pool);
      const enveloped = rpc.streaming || encoding === "grpc" || encoding === "grpc-web";
      return body.map((bytes): Exchange => {
        const base = { path: rpc.path, encoding, streaming: rpc.streaming, headers: AUTH[auth], http1: http1 && encoding !== "grpc" };
        if (!enveloped || framing === "normal") return { ...base, body: bytes };
        if (framing === "compressed-flag") return { ...base, body: bytes, flags: 1 };
        if (framing === "raw") return { ...base, body: bytes, raw: true };
        // An envelope whose length prefix promises more (or less) than follows.
        const lying = envelope(0, bytes);
        new DataView(lying.buffer).setUint32(1, bytes.length + 7);
        return { ...base, body: lying, raw: true };
      });
    });
}

let target: Target;
let wire: Wire;
beforeAll(async () => {
  target = await startTarget();
  wire = new Wire(target.url);
}, 120_000); // startTarget: up to 90 s to start, then the set-up calls
afterAll(async () => {
  wire?.close();
  await target?.stop();
});

/** Answers seen, by code ("ok" for success): how deep the search reaches. */
const tally = new Map<string, number>();

async function send(x: Exchange): Promise<void> {
  const answer = await withinMs(10_000, `${x.encoding} ${x.path}`, wire.call(x));
  const label = answer.code === undefined ? "ok" : codeToString(answer.code);
  tally.set(label, (tally.get(label) ?? 0) + 1);
  const problem = fault(answer);
  if (problem) throw new Error(`${x.encoding}${x.http1 ? " (HTTP/1.1)" : ""} ${x.path}: ${problem}`);
}

/** A failed search says what the server wrote last, which is where a crash explains itself. */
async function search(ms: number): Promise<void> {
  try {
    await searchOnce(ms);
  } catch (err) {
    const exited = target.replica.exitCode();
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(`${String(err)}${cause === undefined ? "" : `\ncaused by: ${String(cause)}`}\n--- server ${exited === null ? "still running" : `exited ${exited}`}; its last output:\n${target.replica.output().slice(-4000)}`);
  }
}

function searchOnce(ms: number) {
  const known = Object.values(target.known);
  return fc.assert(
    fc.asyncProperty(exchangeArbitrary({ known }), send),
    { numRuns: 1_000_000, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, verbose: 1 },
  );
}

describe(`fuzzing every RPC over the wire (${FULL ? "full run" : "short run; FUZZ=full for the CI budget"})`, () => {
  it("answers the committed regression cases without a server fault", async () => {
    for (const x of RPC_REGRESSIONS) await send(x);
  });

  it("never answers a 5xx, hangs, crashes or logs an error, and gives its memory back", { timeout: 180_000 }, async () => {
    await search(FULL ? 8_000 : 1_000); // warm-up: JIT, caches, the allocator's first growth
    const before = target.rssMiB();
    await search(searchBudgetMs(25_000));
    await new Promise((r) => setTimeout(r, 500));
    const after = target.rssMiB();
    const total = [...tally.values()].reduce((a, b) => a + b, 0);
    console.info(
      `fuzz rpcs: ${total} calls over ${RPCS.length} RPCs (${[...tally].map(([k, v]) => `${k} ${v}`).join(", ")}); ` +
        `server RSS ${before.toFixed(1)} MiB after warm-up, ${after.toFixed(1)} MiB after the run`,
    );
    expect(target.replica.output()).not.toContain("Uncaught");
    expect((await fetch(`${target.url}/readyz`)).status).toBe(200);
    expect(target.errorLines()).toEqual([]);
    expect(wire.sessionErrors).toEqual([]);
    // On PGlite the server's RSS holds the embedded database's WebAssembly memory, which moves by
    // hundreds of MiB on its own; the bound is asserted where RSS is the server's (PostgreSQL).
    if (onPostgres) expect(after).toBeLessThanOrEqual(before * 1.2);
  });
});
