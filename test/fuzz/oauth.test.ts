/**
 * Property-based fuzzing of the OAuth endpoints over the wire (/oauth/token, /oauth/introspect,
 * JWKS, metadata): random methods, paths, headers (content types, Basic and Bearer credentials,
 * origins, forwarded addresses) and bodies (forms of known and random parameters, bad
 * percent-encoding, repeated parameters, raw bytes, oversized), over HTTP/1.1 and HTTP/2.
 * Properties: never a 5xx, never a hang, every error body JSON with an `error` and, on these
 * routes, an `error_description` only of RFC 6749 §5.2's characters and at most 200 long; 401
 * always carries its Basic challenge; no crash, no error logged; RSS afterwards within 20% of
 * after warm-up. Budget and regressions: test/fuzz/support/target.ts, test/fuzz/regressions.ts.
 */
import http from "node:http";
import http2 from "node:http2";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { onPostgres } from "../support/database.js";
import { OPERATOR_TOKEN } from "../support/server.js";
import { stringArbitrary } from "./support/messages.js";
import { FULL, searchBudgetMs, startTarget, withinMs, type Target } from "./support/target.js";
import { OAUTH_REGRESSIONS, type HttpExchange } from "./regressions.js";

const ROUTES = ["/oauth/token", "/oauth/introspect", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server"];
const RFC6749_DESCRIPTION = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{0,200}$/;

let target: Target;
let session: http2.ClientHttp2Session | undefined;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
beforeAll(async () => {
  // The forwarded address spreads failures over many throttling buckets, so the search meets
  // more than 429s (and X-Forwarded-For parsing is fuzzed too).
  target = await startTarget({ TRUSTED_PROXIES: "127.0.0.1" });
}, 120_000); // startTarget: up to 90 s to start, then the set-up calls
afterAll(async () => {
  session?.close();
  agent.destroy();
  await target?.stop();
});

/** Header values as an HTTP client can send them (no CR, LF or NUL; latin1). */
const headerText = (s: fc.Arbitrary<string>) => s.map((v) => v.replace(/[^\t\x20-\x7e\x80-\xff]/g, "").slice(0, 4000));

function exchangeArbitrary(): fc.Arbitrary<HttpExchange> {
  const { clientId, clientSecret, accessToken } = target.known;
  const strings = stringArbitrary({ known: Object.values(target.known) });
  const basic = fc
    .tuple(fc.oneof(fc.constant(clientId), strings), fc.oneof(fc.constant(clientSecret), fc.constant(generateSecret("tpcs")), strings))
    .map(([id, secret]) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`);
  const authorization = fc.oneof(
    basic,
    fc.constantFrom(`Bearer ${OPERATOR_TOKEN}`, `Bearer ${generateSecret("tpo")}`, "Bearer", "Basic", "Basic !!!", `Basic ${Buffer.from("no-colon").toString("base64")}`),
    headerText(strings).map((s) => `Bearer ${s}`),
    headerText(strings),
  );
  const param = fc.tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("grant_type", "client_id", "client_secret", "scope", "token", "token_type_hint") },
      { weight: 1, arbitrary: strings },
    ),
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("client_credentials", clientId, clientSecret, accessToken, "", "password", "openid") },
      { weight: 3, arbitrary: strings },
    ),
  );
  const form = fc.array(param, { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString());
  // Requests one step from valid: the right grant and parameters, some of them wrong or missing.
  const nearValid = fc
    .record(
      {
        grant_type: fc.oneof({ weight: 5, arbitrary: fc.constant("client_credentials") }, { weight: 1, arbitrary: strings }),
        client_id: fc.oneof({ weight: 4, arbitrary: fc.constant(clientId) }, { weight: 1, arbitrary: strings }),
        client_secret: fc.oneof({ weight: 3, arbitrary: fc.constant(clientSecret) }, fc.constant(generateSecret("tpcs")), strings),
        scope: fc.oneof(fc.constant(""), strings),
        token: fc.oneof({ weight: 3, arbitrary: fc.constant(accessToken) }, { weight: 1, arbitrary: strings }),
        token_type_hint: fc.constantFrom("access_token", "refresh_token", ""),
      },
      { requiredKeys: [] },
    )
    .map((params) => new URLSearchParams(params as Record<string, string>).toString());
  const body = fc.oneof(
    { weight: 6, arbitrary: nearValid },
    { weight: 3, arbitrary: form },
    { weight: 1, arbitrary: fc.constantFrom("grant_type=%zz", "a=%", "=&&=", "grant_type=client_credentials&grant_type=client_credentials", "%FF%FE=%C0%AF") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 40_000 }).map((n) => `grant_type=client_credentials&pad=${"x".repeat(n)}`) },
  );
  const headers = fc.record(
    {
      "content-type": fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8", "APPLICATION/X-WWW-FORM-URLENCODED") },
        { weight: 1, arbitrary: fc.constantFrom("application/json", "text/plain", "multipart/form-data; boundary=x", "") },
        { weight: 1, arbitrary: headerText(strings) },
      ),
      authorization,
      origin: fc.oneof(fc.constantFrom("http://localhost:3000", "null", "https://evil.example"), headerText(strings)),
      "x-forwarded-for": fc.oneof(fc.ipV4(), fc.ipV6(), headerText(strings), fc.array(fc.ipV4(), { maxLength: 4 }).map((a) => a.join(", "))),
      accept: fc.constantFrom("*/*", "application/json", "text/html"),
    },
    { requiredKeys: [] },
  );
  const path = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(ROUTES[0]!, ROUTES[0]!, ROUTES[0]!, ROUTES[1]!, ROUTES[1]!, ROUTES[2]!, ROUTES[3]!) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), headerText(strings)).map(([p, q]) => `${p}?${encodeURIComponent(q)}`) },
    { weight: 1, arbitrary: fc.constantFrom("/oauth/token/", "/oauth//token", "/OAUTH/TOKEN", "/oauth/token%00", "/oauth/%2e%2e/token", "/oauth/token?%zz") },
  );
  return fc.record({
    method: fc.oneof({ weight: 15, arbitrary: fc.constant("POST") }, { weight: 3, arbitrary: fc.constant("GET") }, fc.constantFrom("HEAD", "OPTIONS", "PUT", "DELETE", "PATCH")),
    path,
    headers,
    body,
    http2: fc.boolean(),
  });
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function h2(): http2.ClientHttp2Session {
  if (!session || session.closed || session.destroyed) {
    session = http2.connect(target.url);
    session.on("error", () => undefined);
  }
  return session;
}

function exchange(x: HttpExchange): Promise<HttpAnswer> {
  const withBody = x.method !== "GET" && x.method !== "HEAD";
  if (x.http2) {
    return new Promise((resolve, reject) => {
      const stream = h2().request({ ":method": x.method, ":path": x.path, ...x.headers });
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => ((status = Number(h[":status"])), (headers = h as typeof headers)));
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", () => undefined);
      stream.on("close", () => (status ? resolve({ status, headers, body: Buffer.concat(chunks).toString("utf8") }) : reject(new Error(`stream reset ${stream.rstCode}`))));
      stream.end(withBody ? x.body : undefined);
    });
  }
  return new Promise((resolve, reject) => {
    // An explicit length: node's client frames DELETE and OPTIONS bodies with neither a length nor
    // chunks, so the server would rightly read them as the next request.
    const headers = withBody ? { ...x.headers, "content-length": String(Buffer.byteLength(x.body)) } : x.headers;
    const req = http.request(`${target.url}${x.path}`, { method: x.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(withBody ? x.body : undefined);
  });
}

let calls = 0;
const statuses = new Map<number, number>();

async function check(x: HttpExchange): Promise<void> {
  const answer = await withinMs(10_000, `${x.method} ${x.path}`, exchange(x));
  calls++;
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  const where = `${x.method} ${x.path} over HTTP/${x.http2 ? 2 : 1.1}`;
  if (answer.status >= 500) throw new Error(`${where}: ${answer.status} ${answer.body.slice(0, 300)}`);
  if (answer.status < 400 || x.method === "HEAD" || answer.body === "") return;
  let parsed: { error?: unknown; error_description?: unknown };
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    throw new Error(`${where}: ${answer.status} with a body that is not JSON: ${answer.body.slice(0, 200)}`);
  }
  if (typeof parsed.error !== "string") throw new Error(`${where}: ${answer.status} without an error code: ${answer.body.slice(0, 200)}`);
  const route = x.path.split("?")[0]!;
  if (ROUTES.includes(route) && typeof parsed.error_description === "string" && !RFC6749_DESCRIPTION.test(parsed.error_description)) {
    throw new Error(`${where}: error_description outside RFC 6749 §5.2 or over 200 characters: ${JSON.stringify(parsed.error_description)}`);
  }
  if (answer.status === 401 && parsed.error === "invalid_client" && !String(answer.headers["www-authenticate"] ?? "").startsWith("Basic ")) {
    throw new Error(`${where}: 401 invalid_client without a Basic challenge`);
  }
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
  return fc.assert(fc.asyncProperty(exchangeArbitrary(), check), {
    numRuns: 1_000_000,
    interruptAfterTimeLimit: ms,
    markInterruptAsFailure: false,
    verbose: 1,
  });
}

describe(`fuzzing the OAuth endpoints over the wire (${FULL ? "full run" : "short run; FUZZ=full for the CI budget"})`, () => {
  it("answers the committed regression cases as they should be", async () => {
    for (const x of OAUTH_REGRESSIONS) await check(x);
  });

  it("never answers a 5xx or an error_description outside RFC 6749, hangs, crashes or logs an error", { timeout: 180_000 }, async () => {
    await search(FULL ? 8_000 : 1_000); // warm-up: JIT, caches, the allocator's first growth
    const before = target.rssMiB();
    await search(searchBudgetMs(17_000));
    await new Promise((r) => setTimeout(r, 500));
    const after = target.rssMiB();
    console.info(
      `fuzz oauth: ${calls} requests (${[...statuses].sort(([a], [b]) => a - b).map(([k, v]) => `${k}: ${v}`).join(", ")}); ` +
        `server RSS ${before.toFixed(1)} MiB after warm-up, ${after.toFixed(1)} MiB after the run`,
    );
    expect((await fetch(`${target.url}/readyz`)).status).toBe(200);
    expect(target.errorLines()).toEqual([]);
    // On PGlite the server's RSS holds the embedded database's WebAssembly memory (see rpcs.test.ts).
    if (onPostgres) expect(after).toBeLessThanOrEqual(before * 1.2);
  });
});
