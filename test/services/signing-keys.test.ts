/**
 * Signing keys in the database: private parts encrypted, rotation published at once and signing
 * only after the JWKS cache lifetime (on the injected clock), every algorithm usable.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SigningKeyState } from "../../gen/ts/trueparser/controlplane/v1/token_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { KeyEncryption } from "../../src/crypto/key-encryption.js";
import { clientFor, failure } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let tokens: ReturnType<typeof clientFor<typeof TokenService>>;
const KEK = "a-key-encryption-key-for-the-signing-keys-test";

const startKeysServer = () => startTestServer({ env: { KEY_ENCRYPTION_KEY: KEK } });

beforeAll(async () => {
  server = await startKeysServer();
  tokens = clientFor(TokenService, server.url);
});
afterAll(() => server.close());

const jwksOf = async (url: string) => ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

describe("signing keys", () => {
  it("stores only the encrypted private key", async () => {
    // Every stored key is sealed: the one made at start, and any other test here rotated in.
    const rows = await server.plane.database.knex("signing_keys");
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const row of rows) {
      expect(row.private_jwk_sealed).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toMatch(/"d":/);
      const opened = JSON.parse(new KeyEncryption(KEK).decrypt(row.private_jwk_sealed, row.key_id));
      expect(opened).toHaveProperty("d");
      expect(() => new KeyEncryption("another-key-encryption-key-32-chars!!").decrypt(row.private_jwk_sealed, row.key_id)).toThrow(
        /cannot be decrypted/,
      );
    }
  });

  it("publishes a rotated key at once, activates it after the JWKS lifetime, retires the old one after its tokens expire", async () => {
    // A server of its own: this test starts from the one key a server makes at start, and moves
    // the clock a day on.
    const server = await startKeysServer();
    try {
      await rotationLifecycle(server);
    } finally {
      await server.close();
    }
  });

  async function rotationLifecycle(server: TestServer) {
    const tokens = clientFor(TokenService, server.url);
    const jwks = () => jwksOf(server.url);
    const all = (await tokens.listSigningKeys({})).signingKeys;
    expect(all).toHaveLength(1); // a server starts with one key
    const [first] = all;
    expect(first!.state).toBe(SigningKeyState.ACTIVE);

    const { signingKey } = await tokens.rotateSigningKey({ algorithm: "EdDSA" });
    expect(signingKey!.state).toBe(SigningKeyState.PENDING);
    expect(signingKey!.algorithm).toBe("EdDSA");
    expect(JSON.parse(signingKey!.publicJwkJson)).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(await jwks()).toEqual(expect.arrayContaining([first!.keyId, signingKey!.keyId]));

    server.clock.advance(300_000); // the JWKS cache lifetime
    const after = (await tokens.listSigningKeys({})).signingKeys;
    expect(after.map((k) => [k.keyId, k.state])).toEqual([
      [signingKey!.keyId, SigningKeyState.ACTIVE],
      [first!.keyId, SigningKeyState.RETIRED],
    ]);
    expect(await jwks()).toHaveLength(2);

    // The old key stays for the longest lifetime a token may have (24 h, an app's maximum),
    // well past TOKEN_TTL_SECONDS, then leaves the JWKS.
    server.clock.advance(3600_000);
    expect(await jwks()).toHaveLength(2);
    server.clock.advance(86_400_000 - 3600_000);
    expect(await jwks()).toEqual([signingKey!.keyId]);
    // Anonymous callers see what the JWKS shows; operators also see the expired key.
    const anonymous = clientFor(TokenService, server.url, { token: null });
    expect((await anonymous.listSigningKeys({})).signingKeys.map((k) => k.keyId)).toEqual([signingKey!.keyId]);
    expect((await tokens.listSigningKeys({})).signingKeys).toHaveLength(2);
  }

  it("pages through keys and refuses an unknown algorithm", async () => {
    // Three keys at least (the one made at start and two rotated in), whatever else ran here.
    await tokens.rotateSigningKey({ algorithm: "RS256" });
    await tokens.rotateSigningKey({ algorithm: "ES256" });
    const page1 = await tokens.listSigningKeys({ pageSize: 1 });
    expect(page1.signingKeys).toHaveLength(1);
    const page2 = await tokens.listSigningKeys({ pageSize: 10, pageToken: page1.nextPageToken });
    expect(page2.nextPageToken).toBe("");
    expect(page2.signingKeys.length).toBeGreaterThanOrEqual(2);
    expect(page2.signingKeys.map((k) => k.keyId)).not.toContain(page1.signingKeys[0]!.keyId);

    const err = await failure(tokens.rotateSigningKey({ algorithm: "HS256" }));
    expect(err).toMatchObject({ code: Code.InvalidArgument, fields: ["algorithm"] });
    expect(err.message).toContain("ES256, RS256, EdDSA");
  });
});
