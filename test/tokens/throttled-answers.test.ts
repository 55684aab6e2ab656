/**
 * Throttled token requests are answered late, so a flood that retries as soon as it is answered
 * sends one attempt per hold; valid callers and the answers beyond the held-answer cap are not
 * delayed. The hold runs on the server's clock: a held answer stays unanswered until the test
 * moves the clock past it, whatever the machine is doing.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { clientFor, failure } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

// The 1 s Retry-After these throttled answers announce: a hold never outlasts it.
const HOLD_MS = 1_000;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ throttledAnswerHoldMs: HOLD_MS, maxHeldAnswers: 1 });
});
afterAll(() => server.close());

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

async function token(clientId: string, clientSecret: string): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(clientId, clientSecret) },
    body: "grant_type=client_credentials",
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

async function heldAnswers(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^controlplane_token_held_answers (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe("throttled answers", () => {
  it("holds a throttled 429 back, serves valid callers meanwhile, and holds no more than the cap", async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    expect((await token(clientId, clientSecret)).status).toBe(200); // verified once: never throttled
    const wrong = generateSecret("tpcs");
    for (let i = 0; i < 10; i++) expect((await token(clientId, wrong)).status).toBe(401); // the burst

    let answered = false;
    const held = token(clientId, wrong).finally(() => (answered = true));
    await vi.waitFor(async () => expect(await heldAnswers()).toBe(1), { timeout: 10_000, interval: 20 }); // it is held now
    const [valid, beyondCap] = await Promise.all([token(clientId, clientSecret), token(clientId, wrong)]);
    expect(valid.status).toBe(200); // answered while the throttled one is held
    expect(beyondCap.status).toBe(429); // the cap (1) was taken: answered at once
    expect(answered).toBe(false);

    server.clock.advance(HOLD_MS - 1);
    expect(await heldAnswers()).toBe(1); // still held, one millisecond short of its hold
    expect(answered).toBe(false);
    server.clock.advance(1);
    expect(await held).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
    expect(await heldAnswers()).toBe(0);
  });

  it("holds throttled RPCs the same way (RESOURCE_EXHAUSTED)", async () => {
    const { clientId } = await onboard(server.url);
    const rpc = clientFor(TokenService, server.url, { token: null, protocol: "grpc" });
    const wrong = generateSecret("tpcs");
    for (let i = 0; i < 10; i++) expect(await failure(rpc.issueToken({ clientId, clientSecret: wrong }))).toMatchObject({ code: Code.Unauthenticated });
    const held = failure(rpc.issueToken({ clientId, clientSecret: wrong }));
    await vi.waitFor(async () => expect(await heldAnswers()).toBe(1), { timeout: 10_000, interval: 20 });
    server.clock.advance(HOLD_MS);
    expect(await held).toMatchObject({ code: Code.ResourceExhausted });
  });
});
