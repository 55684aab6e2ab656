/**
 * The authorization matrix: every RPC of every served service × {no credentials, member of
 * tenant A, member of tenant B, owner of tenant A, operator (token), operator signed in (a session
 * whose e-mail is in OPERATOR_EMAILS)}, each cell asserting one code. The
 * expectations are generated from ACCESS_POLICY (the access policy kept in the code) and the service
 * descriptors, so an RPC added to a proto gets its row without anyone writing it.
 *
 * RPCs whose issue has not landed answer UNIMPLEMENTED once the access layer lets a call
 * through: for them a cell proves only the interceptor's half (credentials, operator-only); the
 * tenant-scoping cells (NOT_FOUND across tenants, PERMISSION_DENIED for non-owners) apply when
 * its service is added to LANDED_SERVICES below.
 */
import { create, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, createClient, type Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { MemberRole } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { OutboxService } from "../../gen/ts/trueparser/controlplane/v1/outbox_service_pb.js";
import { PlanService } from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { ACCESS_POLICY, methodKey } from "../../src/transport/connect/access-policy.js";
import { SERVED_SERVICES } from "../../src/transport/connect/routes.js";
import { clientKeyPair } from "../support/assertions.js";
import { clientFor, failure, transportFor } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

/** Services implemented; an RPC of any other service is expected to answer UNIMPLEMENTED. */
const LANDED_SERVICES = new Set<string>([
  Health.typeName,
  TenantService.typeName,
  AppService.typeName,
  PlanService.typeName,
  TokenService.typeName,
  OutboxService.typeName,
]);
const landed = (service: DescService) => LANDED_SERVICES.has(service.typeName);

const WHO = ["anonymous", "memberOfA", "memberOfB", "ownerOfA", "operator", "signedInOperator"] as const;
type Who = (typeof WHO)[number];
type Outcome = "OK" | Code;

/** What ACCESS_POLICY says a caller gets; `landed` says whether the service answers. */
function expectedOutcome(rpc: string, who: Who, landed: boolean): Outcome {
  const access = ACCESS_POLICY[rpc];
  if (!access) throw new Error(`${rpc} has no access rule`);
  const through: Outcome = landed ? "OK" : Code.Unimplemented;
  if (who === "anonymous") return access.anonymous ? through : Code.Unauthenticated;
  if (who === "operator" || who === "signedInOperator") return through;
  switch (access.person) {
    case "none":
      return Code.PermissionDenied;
    case "signed_in":
      return through;
    case "member":
      return landed && who === "memberOfB" ? Code.NotFound : through;
    case "owner":
      if (!landed) return through;
      return who === "memberOfB" ? Code.NotFound : who === "memberOfA" ? Code.PermissionDenied : "OK";
  }
}

let server: TestServer;
let tenantA: string;
const tokens = {} as Record<Who, string | null>;
let cell = 0;

/**
 * Per-RPC preparation where a generic request would fail for reasons other than access (the
 * request targets tenant A unless a preparation says otherwise).
 */
const PREPARE: Record<string, (who: Who) => Promise<Record<string, unknown>>> = {
  // A person registers for themselves (empty owner_email: their own); an operator token names one.
  [`${TenantService.typeName}/RegisterTenant`]: async (who) => (who === "operator" ? {} : { ownerEmail: "" }),
  // Operator-only transitions get a fresh ACTIVE tenant, on which each of them succeeds.
  [`${TenantService.typeName}/ActivateTenant`]: activeTenant,
  [`${TenantService.typeName}/SuspendTenant`]: activeTenant,
  [`${TenantService.typeName}/ReactivateTenant`]: activeTenant,
  [`${AppService.typeName}/CreateLicenseRegion`]: async () => ({ licenseRegion: { code: `mx-${++cell}`, displayName: "Matrix region" } }),
  [`${AppService.typeName}/UpdateLicenseRegion`]: async () => ({
    licenseRegion: { code: await newRegion(), displayName: "Renamed" },
    updateMask: { paths: ["display_name"] },
  }),
  [`${AppService.typeName}/RetireLicenseRegion`]: async () => ({ code: await newRegion() }),
  [`${AppService.typeName}/CreateApp`]: async () => ({ licenseRegion: "eu" }),
  [`${AppService.typeName}/GetApp`]: newApp,
  [`${AppService.typeName}/GetAppReadiness`]: newApp,
  [`${AppService.typeName}/EnableApp`]: newApp,
  [`${AppService.typeName}/DisableApp`]: newApp,
  [`${AppService.typeName}/RegenerateAppSecret`]: newApp,
  [`${AppService.typeName}/DeleteApp`]: newApp,
  [`${AppService.typeName}/AddAppSecret`]: newApp,
  [`${AppService.typeName}/RevokeAppSecret`]: async () => {
    const { appId } = await newApp();
    const { secret } = await clientFor(AppService, server.url).addAppSecret({ appId });
    return { appId, secretId: secret!.secretId };
  },
  [`${AppService.typeName}/AddAppKey`]: async () => ({ ...(await newApp()), jwk: JSON.stringify((await clientKeyPair()).publicJwk) }),
  [`${AppService.typeName}/RemoveAppKey`]: async () => {
    const { appId } = await newApp();
    const { key } = await clientFor(AppService, server.url).addAppKey({ appId, jwk: JSON.stringify((await clientKeyPair()).publicJwk) });
    return { appId, keyId: key!.keyId };
  },
  [`${AppService.typeName}/SetAppLicenseRegion`]: async () => ({ ...(await newApp()), licenseRegion: "us" }),
  [`${AppService.typeName}/UpdateApp`]: async () => ({
    app: { appId: (await newApp()).appId, displayName: "Renamed" },
    updateMask: { paths: ["display_name"] },
  }),
  [`${PlanService.typeName}/CreatePlan`]: async () => ({ monthlyDocumentUnits: 100n }),
  // Owners may assign free plans only, and tenant A may have one app on a free plan at a time.
  [`${PlanService.typeName}/AssignPlan`]: async () => ({ ...(await newApp()), planId: (await freePlanFreedUp()).planId }),
  [`${PlanService.typeName}/UnassignPlan`]: async () => {
    const { planId } = await freePlanFreedUp();
    const { appId } = await newApp();
    await clientFor(PlanService, server.url).assignPlan({ appId, planId });
    return { appId };
  },
  // Credentials of an app that may obtain tokens (and, to introspect, a token of its own).
  [`${TokenService.typeName}/IssueToken`]: async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    return { clientId, clientSecret };
  },
  [`${TokenService.typeName}/IntrospectToken`]: async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    const { accessToken } = await clientFor(TokenService, server.url, { token: null }).issueToken({ clientId, clientSecret });
    return { token: accessToken, clientId, clientSecret };
  },
  [`${PlanService.typeName}/GetPlan`]: newPlan,
  [`${PlanService.typeName}/RetirePlan`]: newPlan,
  // A dead letter to retry.
  [`${OutboxService.typeName}/RetryOutboxMessage`]: async () => {
    const messageId = (await server.plane.database.knex("outbox_messages").where({ state: "PENDING" }).first("message_id")).message_id;
    await server.plane.database.knex("outbox_messages").where({ message_id: messageId }).update({ state: "DEAD", last_error: "test" });
    return { messageId };
  },
  // Someone to remove who is not the last owner.
  [`${TenantService.typeName}/RemoveTenantMember`]: async () => {
    const email = `removable-${++cell}@matrix.test`;
    await operator().addTenantMember({ tenantId: tenantA, email, role: MemberRole.MEMBER });
    return { tenantId: tenantA, email };
  },
};

function operator(): Client<typeof TenantService> {
  return clientFor(TenantService, server.url);
}

/** A fresh app in tenant A, so a cell that changes or deletes it affects no other cell. */
async function newApp(): Promise<{ appId: string }> {
  const { app } = await clientFor(AppService, server.url).createApp({ tenantId: tenantA, displayName: "Matrix app", licenseRegion: "eu" });
  return { appId: app!.appId };
}

async function newRegion(): Promise<string> {
  const code = `mx-${++cell}`;
  await clientFor(AppService, server.url).createLicenseRegion({ licenseRegion: { code, displayName: "Matrix region" } });
  return code;
}

/** A free plan, with no app of tenant A on a free plan any more. */
async function freePlanFreedUp(): Promise<{ planId: string }> {
  await server.plane.database.knex("apps").where({ tenant_id: tenantA }).update({ plan_id: null, on_free_plan: false });
  const { plan } = await clientFor(PlanService, server.url).createPlan({ displayName: "Free", free: true, monthlyDocumentUnits: 10n });
  return { planId: plan!.planId };
}

async function newPlan(): Promise<Record<string, unknown>> {
  const { plan } = await clientFor(PlanService, server.url).createPlan({ displayName: "Matrix plan", monthlyDocumentUnits: 10n });
  return { planId: plan!.planId };
}

async function activeTenant(): Promise<Record<string, unknown>> {
  const t = (await operator().registerTenant({ displayName: "Transitions", ownerEmail: "ops@matrix.test" })).tenant!;
  await operator().activateTenant({ tenantId: t.tenantId });
  return { tenantId: t.tenantId };
}

/** A request any caller could send: tenant A, fresh e-mails, a name, the first real enum value. */
function genericRequest(input: DescMessage, overrides: Record<string, unknown>): Record<string, unknown> {
  const req: Record<string, unknown> = {};
  for (const field of input.fields) {
    if (field.fieldKind === "scalar" && field.name === "tenant_id") req[field.localName] = tenantA;
    else if (field.fieldKind === "scalar" && field.name.endsWith("email")) req[field.localName] = `person-${++cell}@matrix.test`;
    else if (field.fieldKind === "scalar" && field.name === "display_name") req[field.localName] = "Matrix";
    else if (field.fieldKind === "enum") req[field.localName] = field.enum.values.find((v) => v.number !== 0)?.number ?? 0;
  }
  return { ...req, ...overrides };
}

async function call(service: DescService, method: DescMethod, who: Who): Promise<Outcome> {
  if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") {
    throw new Error(`${method.name}: the matrix calls unary and server-streaming RPCs only`);
  }
  const overrides = (await PREPARE[methodKey(service, method.name)]?.(who)) ?? {};
  const client = createClient(service, transportFor(server.url, "connect-json-h1", tokens[who] ?? undefined)) as unknown as Record<
    string,
    (req: unknown) => Promise<unknown> & AsyncIterable<unknown>
  >;
  const request = create(method.input, genericRequest(method.input, overrides) as never);
  // A stream (Health/Watch) is let through once its first message arrives; leaving the loop cancels it.
  const first = async (stream: AsyncIterable<unknown>) => {
    for await (const _ of stream) break;
  };
  const answer = client[method.localName]!(request);
  const error: unknown = await (method.methodKind === "unary" ? answer : first(answer)).then(
    () => undefined,
    (e: unknown) => e,
  );
  return error === undefined ? "OK" : (await failure(Promise.reject(error))).code;
}

beforeAll(async () => {
  server = await startTestServer({ env: { OPERATOR_EMAILS: "ops@operators.test" } });
  const signedInOperator = await server.sessionFor("ops@operators.test");
  const owner = await server.sessionFor("owner@a.test");
  const memberA = await server.sessionFor("member@a.test");
  const memberB = await server.sessionFor("member@b.test");
  const asOwner = clientFor(TenantService, server.url, { token: owner });
  tenantA = (await asOwner.registerTenant({ displayName: "Tenant A", ownerEmail: "" })).tenant!.tenantId;
  await asOwner.addTenantMember({ tenantId: tenantA, email: "member@a.test", role: MemberRole.MEMBER });
  await clientFor(TenantService, server.url, { token: memberB }).registerTenant({ displayName: "Tenant B", ownerEmail: "" });
  Object.assign(tokens, { anonymous: null, memberOfA: memberA, memberOfB: memberB, ownerOfA: owner, operator: OPERATOR_TOKEN, signedInOperator });
});
afterAll(() => server.close());

describe("authorization matrix (ACCESS_POLICY)", () => {
  for (const service of SERVED_SERVICES) {
    for (const method of service.methods) {
      const rpc = methodKey(service, method.name);
      for (const who of WHO) {
        const want = expectedOutcome(rpc, who, landed(service));
        it(`${rpc} × ${who} → ${want === "OK" ? "OK" : Code[want]}`, async () => {
          const got = await call(service, method, who);
          expect(got === "OK" ? "OK" : Code[got]).toBe(want === "OK" ? "OK" : Code[want]);
        });
      }
    }
  }

  it("covers every RPC of every served service", () => {
    const rpcs = SERVED_SERVICES.flatMap((s) => s.methods.map((m) => methodKey(s, m.name)));
    expect(rpcs.filter((r) => !(r in ACCESS_POLICY))).toEqual([]);
  });
});
