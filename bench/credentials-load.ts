/**
 * The credentials section of `npm run bench` (issue 16), on one single-process server
 * (WORKERS=1) beside the single-process peer, alternated in rounds so a neighbour's burst lands
 * on every load alike:
 *   - the secret path (client_secret_basic) of an app with one live secret, and of an app with
 *     two, presenting the secret the warm cache compares last: the second must stay within 5%;
 *   - private_key_jwt with a fresh assertion per request (a new jti each; this path writes one
 *     row per request), signed by this load generator before each round (jose, ES256), so the
 *     server does only what it would for a real client;
 *   - the peer (node-oidc-provider) with client_secret_basic and with private_key_jwt, driven the
 *     same way.
 *   npm run bench -- --credentials-only [--short]   this section alone
 */
import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { AppService } from "../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { PEER_CLIENT_ID, PEER_CLIENT_SECRET, PEER_PKJWT_CLIENT_ID } from "./credentials.js";
import { basicAuth, httpLoad, type LoadResult } from "./load.js";
import { bundled, startServer, type ServerProcess } from "./processes.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Assertions signed per second of a round: above what either server answers here, so the pool does not run dry. */
const ASSERTIONS_PER_SECOND = 8_000;

export interface CredentialsDeps {
  startOurs(databaseUrl: string, workers: string | undefined): Promise<ServerProcess>;
  /** A tenant, plan and app on `url` through the API; returns the app's credentials. */
  seed(url: string): Promise<{ appId: string; clientId: string; clientSecret: string }>;
  combine(rounds: LoadResult[]): LoadResult;
  log(line: string): void;
  readonly operatorToken: string;
}

export interface CredentialsOptions {
  readonly databaseUrl: string;
  readonly rounds: number;
  readonly secondsPerRound: number;
  readonly connections: number;
}

export interface CredentialFigures {
  /** req/s of each round, per load. */
  rounds: Record<string, number[]>;
  results: Record<string, LoadResult>;
  /** Two live secrets / one, over all rounds and per round. */
  twoSecrets: { ratio: number; perRound: number[]; withinFivePercent: boolean };
  /** How many assertions were signed, and whether a round ran out (its last requests replayed). */
  assertions: { signed: number; exhausted: boolean };
}

const LOADS = ["secret, 1 live secret", "secret, 2 live secrets", "private_key_jwt", "peer secret", "peer private_key_jwt"] as const;
type LoadName = (typeof LOADS)[number];

const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded" };

async function issuerOf(url: string, path: string): Promise<string> {
  return ((await (await fetch(`${url}${path}`)).json()) as { issuer: string }).issuer;
}

/** `count` assertions for `clientId` to `audience`, each with its own jti, valid for 5 minutes. */
async function signPool(key: CryptoKey, kid: string, clientId: string, audience: string, count: number): Promise<string[]> {
  const sign = () =>
    new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: "ES256", kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("290s")
      .sign(key);
  const pool: string[] = [];
  while (pool.length < count) pool.push(...(await Promise.all(Array.from({ length: Math.min(1000, count - pool.length) }, sign))));
  return pool;
}

/** Checks one request of a load before it runs: a load of refusals would measure nothing. */
async function expectToken(url: string, init: { headers: Record<string, string>; body: string }): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { ...FORM_HEADERS, ...init.headers }, body: init.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text}`);
}

export async function benchCredentials(deps: CredentialsDeps, opts: CredentialsOptions): Promise<CredentialFigures> {
  const started: ServerProcess[] = [];
  try {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const publicJwk = { ...(await exportJWK(publicKey)), kid: "bench-key" };
    const ours = await deps.startOurs(opts.databaseUrl, "1");
    started.push(ours);
    const peer = await startServer({
      script: await bundled("bench/peer-oidc-provider.ts"),
      readyPath: "/.well-known/openid-configuration",
      env: { NODE_ENV: "production", PEER_ASSERTION_JWK: JSON.stringify(publicJwk) },
    });
    started.push(peer);

    const apps = createClient(
      AppService,
      createConnectTransport({
        baseUrl: ours.url,
        httpVersion: "1.1",
        interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${deps.operatorToken}`), next(req))],
      }),
    );
    const one = await deps.seed(ours.url);
    const two = await deps.seed(ours.url);
    // The second secret is the one the warm path compares last: the slower case.
    const second = await apps.addAppSecret({ appId: two.appId });
    const keyed = await deps.seed(ours.url);
    await apps.addAppKey({ appId: keyed.appId, jwk: JSON.stringify(publicJwk) });
    const ourIssuer = await issuerOf(ours.url, "/.well-known/oauth-authorization-server");
    const peerIssuer = await issuerOf(peer.url, "/.well-known/openid-configuration");

    const secretLoad = (url: string, auth: string) => ({ url, headers: { ...FORM_HEADERS, authorization: auth }, body: "grant_type=client_credentials" });
    const assertionBody = (assertion: string, clientId?: string) =>
      new URLSearchParams({ grant_type: "client_credentials", client_assertion_type: JWT_BEARER, client_assertion: assertion, ...(clientId && { client_id: clientId }) }).toString();
    const targets: Record<LoadName, { url: string; headers: Record<string, string>; body?: string; assertions?: { clientId: string; audience: string; withClientId: boolean } }> = {
      "secret, 1 live secret": secretLoad(`${ours.url}/oauth/token`, basicAuth(one.clientId, one.clientSecret)),
      "secret, 2 live secrets": secretLoad(`${ours.url}/oauth/token`, basicAuth(two.clientId, second.clientSecret)),
      private_key_jwt: { url: `${ours.url}/oauth/token`, headers: FORM_HEADERS, assertions: { clientId: keyed.clientId, audience: ourIssuer, withClientId: false } },
      "peer secret": secretLoad(`${peer.url}/token`, basicAuth(PEER_CLIENT_ID, PEER_CLIENT_SECRET)),
      // node-oidc-provider wants client_id in the body beside the assertion.
      "peer private_key_jwt": { url: `${peer.url}/token`, headers: FORM_HEADERS, assertions: { clientId: PEER_PKJWT_CLIENT_ID, audience: peerIssuer, withClientId: true } },
    };
    let signed = 0;
    let exhausted = false;
    const bodiesFor = async (a: { clientId: string; audience: string; withClientId: boolean }, count: number) => {
      const pool = (await signPool(privateKey, "bench-key", a.clientId, a.audience, count)).map((x) => assertionBody(x, a.withClientId ? a.clientId : undefined));
      signed += pool.length;
      return pool;
    };
    // Warm each path (argon2 for each secret, the key import) and prove it answers 200.
    for (const t of Object.values(targets)) {
      const body = t.body ?? (await bodiesFor(t.assertions!, 1))[0]!;
      await expectToken(t.url, { headers: t.headers, body });
    }

    // One uncounted second of each secret load first, so neither measured load is the one that
    // meets a cold JIT.
    for (const name of ["secret, 1 live secret", "secret, 2 live secrets"] as const) {
      const t = targets[name];
      await httpLoad({ url: t.url, connections: opts.connections, seconds: 1, headers: t.headers, body: t.body! });
    }
    const perRound = new Map<LoadName, LoadResult[]>(LOADS.map((n) => [n, []]));
    for (let round = 0; round < opts.rounds; round++) {
      for (let i = 0; i < LOADS.length; i++) {
        const name = LOADS[(round + i) % LOADS.length]!;
        const t = targets[name];
        let nextBody: (() => string) | undefined;
        if (t.assertions) {
          const pool = await bodiesFor(t.assertions, Math.ceil(opts.secondsPerRound * ASSERTIONS_PER_SECOND));
          let n = 0;
          nextBody = () => {
            if (n >= pool.length) exhausted = true;
            return pool[Math.min(n++, pool.length - 1)]!;
          };
        }
        perRound.get(name)!.push(
          await httpLoad({ url: t.url, connections: opts.connections, seconds: opts.secondsPerRound, headers: t.headers, body: t.body ?? "", nextBody }),
        );
      }
      deps.log(`credentials round ${round + 1}: ${LOADS.map((n) => `${n} ${perRound.get(n)!.at(-1)!.rps.toFixed(0)}`).join(", ")}`);
    }
    const results = Object.fromEntries(LOADS.map((n) => [n, deps.combine(perRound.get(n)!)])) as Record<LoadName, LoadResult>;
    const rps = (n: LoadName) => perRound.get(n)!.map((r) => r.rps);
    const ratio = results["secret, 2 live secrets"].rps / results["secret, 1 live secret"].rps;
    return {
      rounds: Object.fromEntries(LOADS.map((n) => [n, rps(n).map(Math.round)])),
      results,
      twoSecrets: {
        ratio,
        perRound: rps("secret, 2 live secrets").map((v, i) => v / rps("secret, 1 live secret")[i]!),
        withinFivePercent: ratio >= 0.95,
      },
      assertions: { signed, exhausted },
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

/** Prints the section's table and ratios; true when a load had errors or refusals. */
export function reportCredentials(f: CredentialFigures, log: (line: string) => void): boolean {
  log("\n| credentials (WORKERS=1, one process each) | req/s | p50 ms | p99 ms | errors | non-2xx |");
  log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, r] of Object.entries(f.results)) {
    log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} | ${r.non2xx} |`);
  }
  const r = f.results;
  const x = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : "n/a");
  log("\n| credentials figure | value |");
  log("| --- | ---: |");
  log(`| secret path, 2 live secrets / 1 (target ≥ 0.95) | ${f.twoSecrets.ratio.toFixed(3)} ${f.twoSecrets.withinFivePercent ? "met" : "MISSED"} (per round: ${f.twoSecrets.perRound.map((v) => v.toFixed(2)).join(", ")}) |`);
  log(`| private_key_jwt / secret path (ours) | ${x(r["private_key_jwt"]?.rps, r["secret, 1 live secret"]?.rps)} |`);
  log(`| private_key_jwt: ours / peer | ${x(r["private_key_jwt"]?.rps, r["peer private_key_jwt"]?.rps)} |`);
  log(`| secret path: ours / peer | ${x(r["secret, 1 live secret"]?.rps, r["peer secret"]?.rps)} |`);
  log(`| assertions signed beforehand by the load generator | ${f.assertions.signed}${f.assertions.exhausted ? " (a round ran out: its last requests were replays)" : ""} |`);
  return Object.values(f.results).some((l) => l.errors > 0 || l.non2xx > 0) || f.assertions.exhausted;
}
