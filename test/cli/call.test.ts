/**
 * `trueparser-cp call Service.Method '{json}'`: any RPC by its descriptor, proto JSON in and out,
 * including RPCs that have no curated verb, anonymous ones, and clear answers for wrong names and
 * bad JSON.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { cliFor } from "../support/cli.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const cli = (...argv: string[]) => cliFor(server)(...argv);
const anonymous = (...argv: string[]) => cliFor(server, { env: { TRUEPARSER_URL: server.url } })(...argv);

describe("call", () => {
  it("reaches RPCs that have no curated verb, with proto JSON out", async () => {
    const plan = JSON.parse((await cli("--json", "plans", "create", "--name", "Gold", "--units", "5000")).out);
    const got = await cli("call", "PlanService.GetPlan", JSON.stringify({ planId: plan.planId }));
    expect(got).toMatchObject({ code: EXIT.ok, err: "" });
    expect(JSON.parse(got.out)).toEqual({ plan: { ...plan, monthlyDocumentUnits: "5000" } });

    const registered = await cli("call", "TenantService/RegisterTenant", '{"displayName": "Called Co", "ownerEmail": "ops@called.test"}');
    const { tenant } = JSON.parse(registered.out);
    expect(tenant).toMatchObject({ displayName: "Called Co", state: "TENANT_STATE_PENDING_ACTIVATION" });
    // The full name, as in a Connect URL path.
    const audit = await cli("call", "trueparser.controlplane.v1.TenantService/ListAuditEvents", JSON.stringify({ tenantId: tenant.tenantId }));
    expect(JSON.parse(audit.out)).toEqual({
      auditEvents: [expect.objectContaining({ action: "trueparser.controlplane.v1.TenantService/RegisterTenant", resource: `tenants/${tenant.tenantId}` })],
    });
    // No request: `{}`. An empty answer is `{}` too.
    expect(JSON.parse((await cli("call", "TokenService.ListSigningKeys")).out).signingKeys).toHaveLength(1);
    const member = await cli("call", "TenantService.AddTenantMember", JSON.stringify({ tenantId: tenant.tenantId, email: "x@called.test", role: "MEMBER_ROLE_MEMBER" }));
    expect(member.code).toBe(EXIT.ok);
    expect((await cli("call", "TenantService.RemoveTenantMember", JSON.stringify({ tenantId: tenant.tenantId, email: "x@called.test" }))).out).toBe("{}\n");
  });

  it("calls anonymous RPCs without a token: the health check, and IssueToken with the request on stdin", async () => {
    expect(JSON.parse((await anonymous("call", "Health.Check")).out)).toEqual({ status: "SERVING" });

    const tenantId = JSON.parse((await cli("--json", "tenants", "register", "--name", "Stdin Ltd", "--owner", "ops@stdin.test")).out).tenantId;
    await cli("tenants", "activate", tenantId);
    const created = JSON.parse((await cli("--json", "apps", "create", "--tenant", tenantId, "--name", "Piped", "--region", "eu")).out);
    // The secret goes through standard input, not the command line (which other users can read).
    const request = JSON.stringify({ clientId: created.app.clientId, clientSecret: created.clientSecret });
    const issued = await cliFor(server, { env: { TRUEPARSER_URL: server.url }, stdin: request })("call", "TokenService.IssueToken", "-");
    expect(issued.code).toBe(EXIT.ok);
    expect(JSON.parse(issued.out)).toMatchObject({ accessToken: expect.stringMatching(/^eyJ/), tokenType: "Bearer", expiresIn: "3600" });
  });

  it("names the valid services or methods when given an unknown one", async () => {
    const service = await cli("call", "TenantServise.GetTenant", "{}");
    expect(service.code).toBe(EXIT.usage);
    expect(service.err).toContain('unknown service "TenantServise": name an RPC as Service.Method, one of');
    expect(service.err).toContain("  TenantService: RegisterTenant, GetTenant, ListTenants,");
    expect(service.err).toContain("  OutboxService: ListOutboxMessages, RetryOutboxMessage");
    expect(service.err).toContain("  Health: Check");

    const method = await cli("call", "PlanService.Fetch", "{}");
    expect(method.code).toBe(EXIT.usage);
    expect(method.err).toContain('unknown method "Fetch" in PlanService: its methods are CreatePlan, GetPlan, ListPlans, RetirePlan, AssignPlan, UnassignPlan');
    expect((await cli("call", "PlanService")).err).toContain("name a method of PlanService: its methods are CreatePlan,");
    expect((await cli("call")).err).toContain("missing Service.Method, one of\n  TenantService:");

    const help = await cli("call", "--help");
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toContain("trueparser-cp call Service.Method ['{json}' | -]");
    expect(help.out).toContain("  AppService: ListLicenseRegions, CreateLicenseRegion,");
  });

  it("says what is wrong with a request that is not JSON or does not fit the message", async () => {
    const notJson = await cli("call", "PlanService.GetPlan", "{planId: 1}");
    expect(notJson.code).toBe(EXIT.usage);
    expect(notJson.err).toMatch(/^the request is not valid JSON: .+\nusage: trueparser-cp call Service\.Method/);

    const unknownField = await cli("call", "PlanService.GetPlan", '{"plan_idd": "x"}');
    expect(unknownField.code).toBe(EXIT.usage);
    expect(unknownField.err).toMatch(/^the request is not a GetPlanRequest: .*"plan_idd"/);
    const wrongType = await cli("call", "PlanService.ListPlans", '{"pageSize": "many"}');
    expect(wrongType.err).toMatch(/^the request is not a ListPlansRequest: .*page_size/);
    const wrongEnum = await cli("call", "TenantService.ListTenants", '{"state": "TENANT_STATE_SLEEPING"}');
    expect(wrongEnum.err).toMatch(/^the request is not a ListTenantsRequest: .*TENANT_STATE_SLEEPING/);
    expect((await cli("call", "PlanService.GetPlan", "{}", "{}")).err).toContain("too many arguments");
  });

  it("prints the server's error as JSON on stderr, with the exit code of its gRPC code", async () => {
    const missing = await cli("call", "PlanService.GetPlan", '{"planId": "0190f0a4-5b6c-7d8e-9f00-112233445566"}');
    expect(missing).toMatchObject({ code: EXIT.notFound, out: "" });
    expect(JSON.parse(missing.err)).toMatchObject({ code: "NotFound", reason: "PLAN_NOT_FOUND" });

    const invalid = await cli("call", "TenantService.RegisterTenant", '{"displayName": "", "ownerEmail": "nope"}');
    expect(invalid.code).toBe(EXIT.usage);
    expect(JSON.parse(invalid.err)).toMatchObject({
      code: "InvalidArgument",
      reason: "INVALID_FIELD",
      fieldViolations: expect.arrayContaining([expect.objectContaining({ field: "owner_email" })]),
    });

    const noToken = await anonymous("call", "OutboxService.ListOutboxMessages");
    expect(noToken.code).toBe(EXIT.denied);
    expect(JSON.parse(noToken.err)).toMatchObject({
      code: "Unauthenticated",
      hint: "no operator token: set TRUEPARSER_OPERATOR_TOKEN (or OPERATOR_TOKEN) in the environment, or pass --token TOKEN",
    });
  });

  it("runs as the package bin, reading the request from standard input", async () => {
    const child = execFile("node", ["bin/trueparser-cp.mjs", "--url", server.url, "--token", OPERATOR_TOKEN, "call", "AppService.ListLicenseRegions", "-"], { timeout: 60_000 });
    child.stdin!.end('{"showRetired": true}');
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout).licenseRegions.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(["ap", "eu", "us"]));
  });
});
