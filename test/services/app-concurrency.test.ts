/**
 * Races that the database settles: two regions claiming one alias, two regenerations of one
 * secret, several second secrets at once. Meaningful on PostgreSQL only (PGlite serves one
 * connection at a time).
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { SecretHasher } from "../../src/crypto/secret-hasher.js";
import { listMessagesForTenant } from "../../src/db/outbox-repository.js";
import { verifyClientSecret } from "../../src/services/client-credentials.js";
import { clientFor, failure } from "../support/clients.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let apps: ReturnType<typeof clientFor<typeof AppService>>;

describe.skipIf(!onPostgres)(`races (${POSTGRES_ONLY_REASON})`, () => {
  beforeAll(async () => {
    server = await startTestServer();
    apps = clientFor(AppService, server.url);
  });
  afterAll(() => server.close());

  it("lets exactly one of several regions claim the same alias; the others get ALREADY_EXISTS", async () => {
    const attempts = [1, 2, 3, 4, 5].map((i) =>
      apps.createLicenseRegion({ licenseRegion: { code: `r${i}`, displayName: `R${i}`, aliases: ["contested"] } }).then(
        () => "won",
        (err: unknown) => err,
      ),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    for (const lost of results.filter((r) => r !== "won")) {
      expect(await failure(Promise.reject(lost))).toMatchObject({ code: Code.AlreadyExists, reason: "LICENSE_REGION_ALREADY_EXISTS" });
    }
  });

  it("serialises concurrent regenerations: one secret survives, the last one's, and each is mailed", async () => {
    const tenants = clientFor(TenantService, server.url);
    const tenantId = (await tenants.registerTenant({ displayName: "Race", ownerEmail: "o@race.test" })).tenant!.tenantId;
    const { app } = await apps.createApp({ tenantId, displayName: "Backend", licenseRegion: "eu" });
    const results = await Promise.all([1, 2, 3].map(() => apps.regenerateAppSecret({ appId: app!.appId })));
    const deps = { knex: server.plane.database.knex, hasher: new SecretHasher() };
    const outcomes = await Promise.all(results.map((r) => verifyClientSecret(deps, app!.clientId, r.clientSecret)));
    const ok = outcomes.filter((o) => o.ok);
    expect(ok).toHaveLength(1);
    const current = (await apps.getApp({ appId: app!.appId })).app!;
    const winner = results[outcomes.findIndex((o) => o.ok)]!;
    expect(current.secrets).toEqual(winner.app!.secrets);
    expect(current.secrets).toHaveLength(1);
    expect(ok[0]).toMatchObject({ secretId: current.secrets[0]!.secretId });
    const notices = (await listMessagesForTenant(deps.knex, tenantId)).filter((m) => m.template === "app_secret_regenerated");
    expect(notices).toHaveLength(3);
  });

  it("lets exactly one of several concurrent AddAppSecret calls win: never a third live secret", async () => {
    const tenants = clientFor(TenantService, server.url);
    const tenantId = (await tenants.registerTenant({ displayName: "Race two", ownerEmail: "o@race2.test" })).tenant!.tenantId;
    const { app } = await apps.createApp({ tenantId, displayName: "Backend", licenseRegion: "eu" });
    const results = await Promise.all([1, 2, 3, 4].map(() => apps.addAppSecret({ appId: app!.appId }).then(() => "won", (err: unknown) => err)));
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    for (const lost of results.filter((r) => r !== "won")) {
      expect(await failure(Promise.reject(lost))).toMatchObject({ code: Code.FailedPrecondition, reason: "TOO_MANY_SECRETS" });
    }
    expect((await apps.getApp({ appId: app!.appId })).app!.secrets).toHaveLength(2);
  });

  it("never revokes both live secrets of an enabled app, however the calls interleave", async () => {
    const tenants = clientFor(TenantService, server.url);
    const tenantId = (await tenants.registerTenant({ displayName: "Race three", ownerEmail: "o@race3.test" })).tenant!.tenantId;
    const { app } = await apps.createApp({ tenantId, displayName: "Backend", licenseRegion: "eu" });
    const { secret } = await apps.addAppSecret({ appId: app!.appId });
    const ids = [app!.secrets[0]!.secretId, secret!.secretId];
    const results = await Promise.all(ids.map((secretId) => apps.revokeAppSecret({ appId: app!.appId, secretId }).then(() => "won", (err: unknown) => err)));
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    expect(await failure(Promise.reject(results.find((r) => r !== "won")))).toMatchObject({ code: Code.FailedPrecondition, reason: "LAST_CREDENTIAL" });
    expect((await apps.getApp({ appId: app!.appId })).app!.secrets).toHaveLength(1);
  });
});
