/**
 * The CLI's credential verbs against a real server: the README's rotation in four commands
 * (`apps secrets`, `apps add-secret`, `apps secrets`, `apps revoke-secret`) with the token
 * endpoint asked at each step, public keys from a file, the token lifetime and the
 * authentication method.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { assertionForm, basicAuth, clientKeyPair, postToken, signAssertion } from "../support/assertions.js";
import { cliFor } from "../support/cli.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const cli = (...argv: string[]) => cliFor(server)(...argv);
const token = (clientId: string, secret: string) => postToken(server.url, {}, { authorization: basicAuth(clientId, secret) });

async function newApp() {
  const tenantId = JSON.parse((await cli("--json", "tenants", "register", "--name", "Rotators", "--owner", "o@rot.test")).out).tenantId as string;
  await cli("tenants", "activate", tenantId);
  const created = JSON.parse((await cli("--json", "apps", "create", "--tenant", tenantId, "--name", "Backend", "--region", "eu")).out);
  return { appId: created.app.appId as string, clientId: created.app.clientId as string, secret: created.clientSecret as string };
}

describe("apps credential verbs", () => {
  it("rotate a secret in four commands without a refused request", async () => {
    const { appId, clientId, secret: oldSecret } = await newApp();
    const before = await cli("apps", "secrets", appId);
    expect(before.out.split("\n")[0]).toMatch(/^SECRET_ID\s+CREATED\s+LAST_USED$/);
    const oldId = before.out.split("\n")[1]!.split(/\s+/)[0]!;
    expect((await token(clientId, oldSecret)).status).toBe(200);

    const added = await cli("apps", "add-secret", appId);
    expect(added.code).toBe(EXIT.ok);
    const newSecret = /^client_secret\s+(tpcs_\S+)$/m.exec(added.out)![1]!;
    const newId = /^secret_id\s+(\S+)$/m.exec(added.out)![1]!;
    expect(added.err).toContain("shown only this once");
    expect(added.err).not.toContain(newSecret);
    expect((await token(clientId, oldSecret)).status).toBe(200);
    expect((await token(clientId, newSecret)).status).toBe(200);

    await server.plane.usage.flush();
    const during = await cli("apps", "secrets", appId);
    expect(during.out).toMatch(new RegExp(`^${oldId}\\s+\\S+\\s+\\d{4}-`, "m")); // last used: a time
    expect(during.out).toMatch(new RegExp(`^${newId}\\s`, "m"));

    const revoked = await cli("apps", "revoke-secret", appId, oldId);
    expect(revoked.code).toBe(EXIT.ok);
    expect(revoked.out).toMatch(new RegExp(`^secrets\\s+${newId}$`, "m"));
    expect((await token(clientId, oldSecret)).status).toBe(401);
    expect((await token(clientId, newSecret)).status).toBe(200);

    const third = await cli("apps", "add-secret", appId);
    expect(third.code).toBe(EXIT.ok);
    const refused = await cli("apps", "add-secret", appId);
    expect(refused.code).toBe(EXIT.conflict);
    expect(refused.err).toContain("(TOO_MANY_SECRETS)");
  });

  it("add and list keys, set the lifetime and keys-only authentication, remove a key", async () => {
    const { appId, clientId, secret } = await newApp();
    const key = await clientKeyPair("ES256", { kid: "cli-key" });
    const file = path.join(mkdtempSync(path.join(tmpdir(), "tp-jwk-")), "public.jwk.json");
    writeFileSync(file, JSON.stringify(key.publicJwk));
    const added = await cli("apps", "add-key", appId, "--jwk-file", file);
    expect(added.code).toBe(EXIT.ok);
    expect(added.out).toMatch(/^key_id\s+cli-key$/m);
    expect(added.out).toMatch(/^alg\s+ES256$/m);
    expect((await cli("apps", "keys", appId)).out).toMatch(/^cli-key\s+ES256\s/m);
    const other = await clientKeyPair("EdDSA");
    // Repeated with its --request-id (a lost answer): the first answer, not KEY_ALREADY_EXISTS.
    const addOther = ["apps", "add-key", appId, "--jwk", JSON.stringify(other.publicJwk), "--request-id", "8c3f2e4a-5d6f-4a71-8bcd-2e3f4a5b6c7d"];
    const addedOther = await cli(...addOther);
    expect(addedOther.out).toMatch(/^alg\s+EdDSA$/m);
    expect(await cli(...addOther)).toMatchObject({ code: EXIT.ok, out: addedOther.out });
    expect((await cli("apps", "add-key", appId, "--jwk", JSON.stringify(other.publicJwk))).code).toBe(EXIT.conflict); // a new request
    expect((await cli("apps", "add-key", appId)).code).toBe(EXIT.usage);
    expect((await cli("apps", "add-key", appId, "--jwk", "{}")).code).toBe(EXIT.usage); // INVALID_ARGUMENT

    const lifetime = await cli("apps", "set-lifetime", appId, "15m");
    expect(lifetime.out).toMatch(/^lifetime\s+900s$/m);
    expect((await token(clientId, secret)).json.expires_in).toBe(900);
    expect((await cli("apps", "set-lifetime", appId, "25h")).code).toBe(EXIT.usage);
    expect((await cli("apps", "set-lifetime", appId, "soon")).code).toBe(EXIT.usage);
    expect((await cli("apps", "set-lifetime", appId, "--default")).out).toMatch(/^lifetime\s+default/m);
    expect((await token(clientId, secret)).json.expires_in).toBe(3600);

    const keysOnly = await cli("apps", "set-auth-method", appId, "private_key_jwt");
    expect(keysOnly.out).toMatch(/^auth\s+private_key_jwt$/m);
    expect((await token(clientId, secret)).status).toBe(401);
    const assertion = await signAssertion(key, { clientId, audience: server.url, now: server.clock.now() });
    expect((await postToken(server.url, assertionForm(assertion))).status).toBe(200);
    expect((await cli("apps", "set-auth-method", appId, "basic")).code).toBe(EXIT.usage);

    expect((await cli("apps", "remove-key", appId, "cli-key")).out).not.toMatch(/cli-key/);
    expect((await cli("apps", "set-auth-method", appId, "default")).out).toMatch(/^auth\s+client secrets and keys$/m);
    expect((await token(clientId, secret)).status).toBe(200);
  });
});
