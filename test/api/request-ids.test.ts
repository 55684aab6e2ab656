/**
 * Retries without duplicates (AIP-155 `request_id`), over the wire on a real server: a retry
 * creates nothing and gets the first answer byte for byte (its secret for 10 minutes, then
 * REQUEST_SECRET_EXPIRED with the secret erased); another body is REQUEST_ID_REUSED; keys are
 * per caller; rows go after 24 hours on the clock; secrets are never stored in plaintext; and on
 * PostgreSQL, concurrent retries on two replicas create exactly one thing.
 */
import { randomUUID } from "node:crypto";
import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AddAppKeyRequestSchema,
  AppService,
  CreateAppRequestSchema,
  CreateLicenseRegionRequestSchema,
  RegenerateAppSecretRequestSchema,
} from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { CreatePlanRequestSchema, PlanService } from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { MemberRole } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { AddTenantMemberRequestSchema, RegisterTenantRequestSchema, TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { RotateSigningKeyRequestSchema, TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { startControlPlane } from "../../src/control-plane.js";
import { ONCE_RPCS } from "../../src/transport/connect/request-replay.js";
import { SERVED_SERVICES } from "../../src/transport/connect/routes.js";
import { clientKeyPair, postToken } from "../support/assertions.js";
import { clientFor, failure } from "../support/clients.js";
import { dumpDatabase } from "../support/database-dump.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { memoryLogger, OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const MINUTE = 60_000;
const knex = () => server.plane.database.knex;

async function count(table: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = (await knex()(table).where(where).count({ n: "*" }).first()) as { n: unknown };
  return Number(row.n);
}

/**
 * One unary Connect call with a raw HTTP body (binary protobuf or JSON), so answers can be
 * compared as the bytes that crossed the wire.
 */
async function raw<D extends DescMessage>(
  rpc: string,
  schema: D,
  init: MessageInitShape<D>,
  opts: { json?: boolean; token?: string; url?: string } = {},
): Promise<{ status: number; body: Buffer }> {
  const message = create(schema, init);
  const res = await fetch(`${opts.url ?? server.url}/trueparser.controlplane.v1.${rpc}`, {
    method: "POST",
    headers: {
      "content-type": opts.json ? "application/json" : "application/proto",
      authorization: `Bearer ${opts.token ?? OPERATOR_TOKEN}`,
    },
    body: opts.json ? JSON.stringify(init) : toBinary(schema, message),
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

const tenants = () => clientFor(TenantService, server.url);
const apps = () => clientFor(AppService, server.url);
const plans = () => clientFor(PlanService, server.url);
const tokens = () => clientFor(TokenService, server.url);

async function newTenant(name = "Retry Co"): Promise<string> {
  return (await tenants().registerTenant({ displayName: name, ownerEmail: "owner@retry.test" })).tenant!.tenantId;
}

describe("a retried create", () => {
  it("is possible on every RPC whose request has a request_id, and each of them is in ONCE_RPCS", () => {
    const withRequestId = SERVED_SERVICES.flatMap((service) => service.methods)
      .filter((method) => method.input.fields.some((f) => f.name === "request_id"))
      .map((method) => method.input.typeName)
      .sort();
    expect(withRequestId).toEqual(Object.values(ONCE_RPCS).map((rpc) => rpc.request.typeName).sort());
    expect(withRequestId).toHaveLength(9);
  });

  it("creates nothing and gets the first answer byte for byte, its client secret included", async () => {
    const tenantId = await newTenant();
    const requestId = randomUUID();
    const body = { tenantId, displayName: "Backend", licenseRegion: "eu", allowedDomains: ["localhost:3000"], requestId };
    const first = await raw("AppService/CreateApp", CreateAppRequestSchema, body);
    expect(first.status).toBe(200);
    const apps0 = await count("apps", { tenant_id: tenantId });
    const audit0 = await count("audit_events", { tenant_id: tenantId });
    server.clock.advance(9 * MINUTE + 59_000); // still within the secret's 10 minutes

    const again = await raw("AppService/CreateApp", CreateAppRequestSchema, body);
    expect(again.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
    expect(apps0).toBe(1);
    expect(await count("apps", { tenant_id: tenantId })).toBe(1);
    expect(await count("audit_events", { tenant_id: tenantId })).toBe(audit0);

    // The same request in JSON, upper-case key, through the typed client: the same answer again.
    const typed = await apps().createApp({ ...body, requestId: requestId.toUpperCase() });
    const firstDecoded = (await apps().getApp({ appId: typed.app!.appId })).app!;
    expect(typed.app!.appId).toBe(firstDecoded.appId);
    expect(first.body.includes(Buffer.from(typed.clientSecret))).toBe(true);
    expect(typed.clientSecret).toMatch(/^tpcs_/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/controlplane_request_id_replays_total\{outcome="replayed"\} [1-9]/);
  });

  it("is refused with REQUEST_SECRET_EXPIRED once the secret's 10 minutes are over, and the secret is erased", async () => {
    const tenantId = await newTenant();
    const requestId = randomUUID();
    const body = { tenantId, displayName: "Backend", licenseRegion: "eu", requestId };
    const first = await apps().createApp(body);
    const stored = await knex()("request_ids").where({ request_id: requestId }).first();
    expect(stored.sealed_secret).toMatch(/^v1\./);

    server.clock.advance(10 * MINUTE);
    const got = await failure(apps().createApp(body));
    expect(got).toMatchObject({ code: Code.FailedPrecondition, reason: "REQUEST_SECRET_EXPIRED", metadata: { request_id: requestId } });
    expect(got.message).toMatch(/can no longer be shown/);
    expect(got.message).toMatch(/regenerate/i);
    expect(got.message).not.toContain(first.clientSecret);
    expect(await count("apps", { tenant_id: tenantId })).toBe(1);
    const after = await knex()("request_ids").where({ request_id: requestId }).first();
    expect(after.sealed_secret).toBeNull(); // erased, not merely hidden
  });

  it("does not regenerate twice: a retried RegenerateAppSecret returns the same secret and keeps it working", async () => {
    const tenantId = await newTenant();
    const { app } = await apps().createApp({ tenantId, displayName: "Rotating", licenseRegion: "eu" });
    const body = { appId: app!.appId, requestId: randomUUID() };
    const first = await raw("AppService/RegenerateAppSecret", RegenerateAppSecretRequestSchema, body);
    const again = await raw("AppService/RegenerateAppSecret", RegenerateAppSecretRequestSchema, body);
    expect(first.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
    const now = (await apps().getApp({ appId: app!.appId })).app!;
    const replayed = await apps().regenerateAppSecret(body);
    expect(replayed.app!.secrets[0]!.secretId).toBe(now.secrets[0]!.secretId); // one regeneration, not three
    expect(await count("outbox_messages", { tenant_id: tenantId, template: "app_secret_regenerated" })).toBe(1);
    // The replayed secret is the live one: with the tenant active, it gets a token.
    await tenants().activateTenant({ tenantId });
    const token = await postToken(server.url, { client_id: app!.clientId, client_secret: replayed.clientSecret });
    expect(token.status).toBe(200);
  });

  it.each([
    {
      rpc: "TenantService/RegisterTenant",
      schema: RegisterTenantRequestSchema,
      body: () => ({ displayName: "Once Ltd", ownerEmail: "once@once.test" }),
      rows: () => count("tenants", { display_name: "Once Ltd" }),
    },
    {
      rpc: "PlanService/CreatePlan",
      schema: CreatePlanRequestSchema,
      body: () => ({ displayName: "Once plan", monthlyDocumentUnits: 500n }),
      rows: () => count("plans", { display_name: "Once plan" }),
    },
    {
      rpc: "AppService/CreateLicenseRegion",
      schema: CreateLicenseRegionRequestSchema,
      body: () => ({ licenseRegion: { code: "once-1", displayName: "Once region", aliases: ["oncealias"] } }),
      rows: () => count("license_regions", { code: "once-1" }),
    },
  ])("$rpc: a retry creates nothing and gets the first answer", async ({ rpc, schema, body, rows }) => {
    const requestId = randomUUID();
    const init = { ...body(), requestId } as MessageInitShape<DescMessage>;
    const first = await raw(rpc, schema as DescMessage, init);
    expect(first.status).toBe(200);
    const retries = await Promise.all([raw(rpc, schema as DescMessage, init), raw(rpc, schema as DescMessage, init)]);
    for (const r of retries) expect(r.body.equals(first.body)).toBe(true);
    expect(await rows()).toBe(1);
    if (rpc === "TenantService/RegisterTenant") {
      expect(await count("outbox_messages", { recipient: "once@once.test", template: "tenant_welcome" })).toBe(1);
    }
    // Without a request id nothing is remembered: the same request runs again.
    if (rpc === "PlanService/CreatePlan") {
      await plans().createPlan(body() as MessageInitShape<typeof CreatePlanRequestSchema>);
      expect(await rows()).toBe(2);
    }
  });

  it("AddAppKey: a retry adds no second key and gets the first answer; another key under the same id is REQUEST_ID_REUSED", async () => {
    const tenantId = await newTenant();
    const { app } = await apps().createApp({ tenantId, displayName: "Keyed", licenseRegion: "eu" });
    const appId = app!.appId;
    const jwk = JSON.stringify((await clientKeyPair("ES256", { kid: "retry-key-1" })).publicJwk);
    const body = { appId, jwk, requestId: randomUUID() };
    const first = await raw("AppService/AddAppKey", AddAppKeyRequestSchema, body);
    expect(first.status).toBe(200);
    const audit0 = await count("audit_events", { tenant_id: tenantId });

    const again = await raw("AppService/AddAppKey", AddAppKeyRequestSchema, body);
    expect(again.status).toBe(200); // not KEY_ALREADY_EXISTS: the retry is told its key landed
    expect(again.body.equals(first.body)).toBe(true);
    const typed = await apps().addAppKey({ ...body, requestId: body.requestId.toUpperCase() });
    expect(typed.key!.keyId).toBe("retry-key-1");
    expect(await count("app_keys", { app_id: appId })).toBe(1);
    expect(await count("audit_events", { tenant_id: tenantId })).toBe(audit0);

    const other = JSON.stringify((await clientKeyPair("ES256", { kid: "retry-key-2" })).publicJwk);
    const reused = await failure(apps().addAppKey({ appId, jwk: other, requestId: body.requestId }));
    expect(reused).toMatchObject({ code: Code.InvalidArgument, reason: "REQUEST_ID_REUSED", metadata: { request_id: body.requestId } });
    expect(reused.message).toMatch(/different AddAppKey request/);
    expect(await count("app_keys", { app_id: appId })).toBe(1);
    // Without a request id a retry is refused as before (no second row either way).
    expect(await failure(apps().addAppKey({ appId, jwk }))).toMatchObject({ code: Code.AlreadyExists, reason: "KEY_ALREADY_EXISTS" });
  });

  it("AddTenantMember: a retry adds no second membership and gets the first answer; another role under the same id is REQUEST_ID_REUSED", async () => {
    const tenantId = await newTenant();
    const body = { tenantId, email: "nora@retry.test", role: MemberRole.MEMBER, requestId: randomUUID() };
    const first = await raw("TenantService/AddTenantMember", AddTenantMemberRequestSchema, body);
    expect(first.status).toBe(200);
    const audit0 = await count("audit_events", { tenant_id: tenantId });

    server.clock.advance(MINUTE);
    const again = await raw("TenantService/AddTenantMember", AddTenantMemberRequestSchema, body);
    expect(again.status).toBe(200); // not MEMBER_ALREADY_EXISTS
    expect(again.body.equals(first.body)).toBe(true);
    expect((await tenants().addTenantMember(body)).member!.email).toBe("nora@retry.test");
    expect(await count("tenant_members", { tenant_id: tenantId, email: "nora@retry.test" })).toBe(1);
    expect(await count("audit_events", { tenant_id: tenantId })).toBe(audit0);

    const reused = await failure(tenants().addTenantMember({ ...body, role: MemberRole.OWNER }));
    expect(reused).toMatchObject({ code: Code.InvalidArgument, reason: "REQUEST_ID_REUSED", metadata: { request_id: body.requestId } });
    expect(reused.message).toMatch(/different AddTenantMember request/);
    const members = (await tenants().listTenantMembers({ tenantId })).members;
    expect(members.find((m) => m.email === "nora@retry.test")!.role).toBe(MemberRole.MEMBER);
  });

  it("AddTenantMember: a retry's first answer only for a caller who may still add members", async () => {
    const owner = await server.sessionFor("owner@demoted.test");
    const tenantId = (await clientFor(TenantService, server.url, { token: owner }).registerTenant({ displayName: "Demoted", ownerEmail: "" })).tenant!.tenantId;
    const body = { tenantId, email: "pia@demoted.test", role: MemberRole.MEMBER, requestId: randomUUID() };
    await clientFor(TenantService, server.url, { token: owner }).addTenantMember(body);
    // The operator makes someone else the owner and removes the first owner.
    await tenants().addTenantMember({ tenantId, email: "boss@demoted.test", role: MemberRole.OWNER });
    await tenants().removeTenantMember({ tenantId, email: "owner@demoted.test" });
    expect(await failure(clientFor(TenantService, server.url, { token: owner }).addTenantMember(body))).toMatchObject({ code: Code.NotFound });
    // Back as a plain member: still not allowed to add people, so still no first answer.
    await tenants().addTenantMember({ tenantId, email: "owner@demoted.test", role: MemberRole.MEMBER });
    const demoted = await failure(clientFor(TenantService, server.url, { token: owner }).addTenantMember(body));
    expect(demoted).toMatchObject({ code: Code.PermissionDenied, reason: "OWNER_REQUIRED" });
  });

  it("RotateSigningKey: a retry creates no second key and gets the first answer; another algorithm under the same id is REQUEST_ID_REUSED", async () => {
    const body = { algorithm: "EdDSA", requestId: randomUUID() };
    const keys0 = await count("signing_keys");
    const first = await raw("TokenService/RotateSigningKey", RotateSigningKeyRequestSchema, body);
    expect(first.status).toBe(200);
    expect(await count("signing_keys")).toBe(keys0 + 1);

    const retries = await Promise.all([raw("TokenService/RotateSigningKey", RotateSigningKeyRequestSchema, body), tokens().rotateSigningKey(body)]);
    expect(retries[0].body.equals(first.body)).toBe(true);
    expect(retries[1].signingKey!.algorithm).toBe("EdDSA");
    expect((await tokens().listSigningKeys({ pageSize: 100 })).signingKeys[0]!.keyId).toBe(retries[1].signingKey!.keyId);
    expect(await count("signing_keys")).toBe(keys0 + 1);

    const reused = await failure(tokens().rotateSigningKey({ ...body, algorithm: "ES256" }));
    expect(reused).toMatchObject({ code: Code.InvalidArgument, reason: "REQUEST_ID_REUSED", metadata: { request_id: body.requestId } });
    expect(reused.message).toMatch(/different RotateSigningKey request/);
    expect(await count("signing_keys")).toBe(keys0 + 1);
    // A request id is checked before the rest of the request.
    const malformed = await failure(tokens().rotateSigningKey({ algorithm: "HS256", requestId: "retry-1" }));
    expect(malformed).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD", fields: ["request_id"] });
  });

  it("answers the same key with a different request INVALID_ARGUMENT REQUEST_ID_REUSED", async () => {
    const tenantId = await newTenant();
    const requestId = randomUUID();
    await apps().createApp({ tenantId, displayName: "First", licenseRegion: "eu", requestId });
    const got = await failure(apps().createApp({ tenantId, displayName: "Second", licenseRegion: "eu", requestId }));
    expect(got).toMatchObject({ code: Code.InvalidArgument, reason: "REQUEST_ID_REUSED", metadata: { request_id: requestId } });
    expect(got.message).toMatch(/different CreateApp request/);
    expect(await count("apps", { tenant_id: tenantId })).toBe(1);
    // Another method is another key: the same request id creates a plan.
    expect((await plans().createPlan({ displayName: "Same key, other method", monthlyDocumentUnits: 1n, requestId })).plan).toBeDefined();
  });

  it("refuses a request_id that is not a UUID, naming the field", async () => {
    const tenantId = await newTenant();
    const got = await failure(apps().createApp({ tenantId, displayName: "X", licenseRegion: "eu", requestId: "retry-1" }));
    expect(got).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD", fields: ["request_id"] });
    expect(got.violations[0]).toMatchObject({ reason: "MALFORMED" });
    expect(await count("apps", { tenant_id: tenantId })).toBe(0);
  });

  it("keeps only successful answers: a failed first call runs again when retried", async () => {
    const tenantId = await newTenant();
    const requestId = randomUUID();
    const body = { tenantId, displayName: "Later", licenseRegion: "nowhere", requestId };
    expect(await failure(apps().createApp(body))).toMatchObject({ reason: "UNKNOWN_LICENSE_REGION" });
    expect(await count("request_ids", { request_id: requestId })).toBe(0);
    await tenants().getTenant({ tenantId }); // nothing else changed
    const regionAdded = await clientFor(AppService, server.url).createLicenseRegion({ licenseRegion: { code: "nowhere", displayName: "Nowhere" } });
    expect(regionAdded.licenseRegion!.code).toBe("nowhere");
    expect((await apps().createApp(body)).app!.licenseRegion).toBe("nowhere");
  });

  it("scopes keys to the caller: another caller's same key is independent; a person signing in again is the same caller", async () => {
    const olga = await server.sessionFor("olga@scoped.test");
    const tenantId = (await clientFor(TenantService, server.url, { token: olga }).registerTenant({ displayName: "Scoped", ownerEmail: "" })).tenant!.tenantId;
    const requestId = randomUUID();
    const body = { tenantId, displayName: "Backend", licenseRegion: "eu", requestId };
    const byOperator = await apps().createApp(body);
    const byOlga = await clientFor(AppService, server.url, { token: olga }).createApp(body);
    expect(byOlga.app!.appId).not.toBe(byOperator.app!.appId);
    expect(await count("apps", { tenant_id: tenantId })).toBe(2);
    // Olga signs in again (a new session): the same caller, so her first answer comes back.
    const olgaAgain = await server.sessionFor("olga@scoped.test");
    const retried = await clientFor(AppService, server.url, { token: olgaAgain }).createApp(body);
    expect(retried).toEqual(byOlga);
    expect(await count("apps", { tenant_id: tenantId })).toBe(2);
  });

  it("gives a retry's secret only to a caller who may still see the app", async () => {
    const owner = await server.sessionFor("owner@removed.test");
    const tenantId = (await clientFor(TenantService, server.url, { token: owner }).registerTenant({ displayName: "Removed", ownerEmail: "" })).tenant!.tenantId;
    await tenants().addTenantMember({ tenantId, email: "mia@removed.test", role: MemberRole.MEMBER });
    const mia = await server.sessionFor("mia@removed.test");
    const body = { tenantId, displayName: "Backend", licenseRegion: "eu", requestId: randomUUID() };
    const first = await clientFor(AppService, server.url, { token: mia }).createApp(body);
    expect(first.clientSecret).toMatch(/^tpcs_/);
    await clientFor(TenantService, server.url, { token: owner }).removeTenantMember({ tenantId, email: "mia@removed.test" });
    const retried = await failure(clientFor(AppService, server.url, { token: mia }).createApp(body));
    expect(retried).toMatchObject({ code: Code.NotFound });
    expect(retried.message).not.toContain(first.clientSecret);
  });

  it("never stores or logs a secret in plaintext", async () => {
    const tenantId = await newTenant();
    const requestId = randomUUID();
    const { clientSecret, app } = await apps().createApp({ tenantId, displayName: "Sealed", licenseRegion: "eu", requestId });
    const regenerated = await apps().regenerateAppSecret({ appId: app!.appId, requestId: randomUUID() });
    const dump = await dumpDatabase(knex());
    expect(dump).toContain(requestId); // the row is there …
    for (const secret of [clientSecret, regenerated.clientSecret]) {
      expect(dump).not.toContain(secret); // … but not the secret, in any column
      expect(dump).not.toContain(Buffer.from(secret).toString("hex")); // bytea is dumped as hex
      expect(JSON.stringify(server.logs)).not.toContain(secret);
    }
    const rows = await knex()("request_ids").whereIn("request_id", [requestId]).select("sealed_secret", "response");
    expect(rows[0].sealed_secret).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(Buffer.from(rows[0].response).includes(Buffer.from("tpcs_"))).toBe(false);
  });
});

describe("retention on the injected clock", () => {
  it("erases a stored secret after 10 minutes without any retry", async () => {
    const tenantId = await newTenant();
    const requestId = randomUUID();
    await apps().createApp({ tenantId, displayName: "Swept", licenseRegion: "eu", requestId });
    const sealed = () => knex()("request_ids").where({ request_id: requestId }).first("sealed_secret");
    expect((await sealed()).sealed_secret).not.toBeNull();
    server.clock.advance(10 * MINUTE + 1);
    await vi.waitFor(async () => expect((await sealed()).sealed_secret).toBeNull(), { timeout: 5_000 });
  });

  it("forgets a request id after 24 hours: its row is purged and the key creates anew", async () => {
    const requestId = randomUUID();
    const body = { displayName: "Daily plan", monthlyDocumentUnits: 10n, requestId };
    const first = await plans().createPlan(body);
    server.clock.advance(23 * 60 * MINUTE);
    expect((await plans().createPlan(body)).plan!.planId).toBe(first.plan!.planId);
    server.clock.advance(60 * MINUTE);
    await vi.waitFor(async () => expect(await count("request_ids", { request_id: requestId })).toBe(0), { timeout: 5_000 });
    const later = await plans().createPlan(body);
    expect(later.plan!.planId).not.toBe(first.plan!.planId);
    expect(await count("plans", { display_name: "Daily plan" })).toBe(2);
  });
});

describe("concurrent retries", () => {
  it.skipIf(!onPostgres)(`create exactly one thing across two replicas, all answers equal (${POSTGRES_ONLY_REASON})`, async () => {
    const second = await startControlPlane({
      config: server.config, // the same DATA_DIR, so the same key-encryption key, as replicas must share
      logger: memoryLogger([]),
      clock: server.clock,
      database: server.db.target,
      outboxDispatch: "manual",
      throttledAnswerHoldMs: 0,
    });
    try {
      const urls = [server.url, second.url];
      const tenantId = await newTenant("Racing");
      const appBody = { tenantId, displayName: "Raced", licenseRegion: "eu", requestId: randomUUID() };
      const appAnswers = await Promise.all(urls.flatMap((url) => Array.from({ length: 8 }, () => raw("AppService/CreateApp", CreateAppRequestSchema, appBody, { url }))));
      expect(appAnswers.map((a) => a.status)).toEqual(appAnswers.map(() => 200));
      for (const a of appAnswers) expect(a.body.equals(appAnswers[0]!.body)).toBe(true);
      expect(await count("apps", { tenant_id: tenantId })).toBe(1);

      const tenantBody = { displayName: "Raced tenant", ownerEmail: "race@race.test", requestId: randomUUID() };
      const tenantAnswers = await Promise.all(urls.flatMap((url) => Array.from({ length: 8 }, () => raw("TenantService/RegisterTenant", RegisterTenantRequestSchema, tenantBody, { url }))));
      for (const a of tenantAnswers) expect(a.body.equals(tenantAnswers[0]!.body)).toBe(true);
      expect(await count("tenants", { display_name: "Raced tenant" })).toBe(1);
      expect(await count("outbox_messages", { recipient: "race@race.test" })).toBe(1);

      const appId = (await apps().listApps({ tenantId })).apps[0]!.appId;
      const regenBody = { appId, requestId: randomUUID() };
      const regenAnswers = await Promise.all(urls.flatMap((url) => Array.from({ length: 6 }, () => raw("AppService/RegenerateAppSecret", RegenerateAppSecretRequestSchema, regenBody, { url }))));
      for (const a of regenAnswers) expect(a.body.equals(regenAnswers[0]!.body)).toBe(true);
      expect(await count("outbox_messages", { tenant_id: tenantId, template: "app_secret_regenerated" })).toBe(1);

      // Both losers' and winner's inserts of the region's code conflict too: the losers still get the first answer.
      const regionBody = { licenseRegion: { code: "race-1", displayName: "Raced region" }, requestId: randomUUID() };
      const regionAnswers = await Promise.all(urls.flatMap((url) => Array.from({ length: 4 }, () => raw("AppService/CreateLicenseRegion", CreateLicenseRegionRequestSchema, regionBody, { url }))));
      expect(regionAnswers.map((a) => a.status)).toEqual(regionAnswers.map(() => 200));
      for (const a of regionAnswers) expect(a.body.equals(regionAnswers[0]!.body)).toBe(true);
      expect(await count("license_regions", { code: "race-1" })).toBe(1);

      // A retried key, membership or rotation: the losers meet KEY_ALREADY_EXISTS, MEMBER_ALREADY_EXISTS
      // or the request id's own key (rotations are serialised by a lock) and answer as the winner.
      const jwk = JSON.stringify((await clientKeyPair("ES256", { kid: "raced-key" })).publicJwk);
      const races = [
        { rpc: "AppService/AddAppKey", schema: AddAppKeyRequestSchema, body: { appId, jwk, requestId: randomUUID() } },
        { rpc: "TenantService/AddTenantMember", schema: AddTenantMemberRequestSchema, body: { tenantId, email: "raced@race.test", role: MemberRole.MEMBER, requestId: randomUUID() } },
        { rpc: "TokenService/RotateSigningKey", schema: RotateSigningKeyRequestSchema, body: { algorithm: "", requestId: randomUUID() } },
      ];
      const keys0 = await count("signing_keys");
      for (const { rpc, schema, body } of races) {
        const answers = await Promise.all(
          urls.flatMap((url) => Array.from({ length: 4 }, () => raw(rpc, schema as DescMessage, body as MessageInitShape<DescMessage>, { url }))),
        );
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
        for (const a of answers) expect(a.body.equals(answers[0]!.body)).toBe(true);
      }
      expect(await count("app_keys", { app_id: appId })).toBe(1);
      expect(await count("tenant_members", { tenant_id: tenantId, email: "raced@race.test" })).toBe(1);
      expect(await count("signing_keys")).toBe(keys0 + 1);

      // The unique key, not luck, decided: some calls ran their transaction and lost the race.
      const scraped = (await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()))).join("\n");
      const raced = [...scraped.matchAll(/controlplane_request_id_replays_total\{outcome="replayed_after_race"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      expect(raced).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });
});
