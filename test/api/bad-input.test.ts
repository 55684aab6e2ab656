/**
 * Bad input is answered INVALID_ARGUMENT (or RESOURCE_EXHAUSTED for size) naming the field and
 * what to fix — never INTERNAL — and changes nothing.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ListTenantsRequestSchema,
  TenantService,
} from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import type { TenantState } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let tenants: ReturnType<typeof clientFor<typeof TenantService>>;
beforeAll(async () => {
  server = await startTestServer({ env: { MAX_MESSAGE_BYTES: "4096" } });
  tenants = clientFor(TenantService, server.url, { protocol: "connect-binary-h2" });
});
afterAll(() => server.close());

const countTenants = async () => (await server.plane.database.knex("tenants").count({ n: "*" }).first())!.n;

describe("bad input", () => {
  it("reports every bad field of RegisterTenant at once, and registers nothing", async () => {
    const before = await countTenants();
    const err = await failure(tenants.registerTenant({ displayName: "  ", ownerEmail: "not-an-email" }));
    expect(err).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD" });
    expect(err.fields).toEqual(["display_name", "owner_email"]);
    expect(err.violations.map((v) => v.reason)).toEqual(["REQUIRED", "MALFORMED"]);
    expect(err.message).toContain("display_name is required");
    expect(err.message).toContain("owner_email must be an e-mail address");
    expect(await countTenants()).toBe(before);
  });

  it.each([
    ["an empty owner e-mail", { displayName: "X", ownerEmail: "" }, "owner_email", "REQUIRED"],
    ["a display name over 100 characters", { displayName: "x".repeat(101), ownerEmail: "a@b.test" }, "display_name", "TOO_LONG"],
    ["control characters", { displayName: "a\u0000b", ownerEmail: "a@b.test" }, "display_name", "MALFORMED"],
    ["an e-mail over 254 characters", { displayName: "X", ownerEmail: `${"a".repeat(60)}@${"b".repeat(200)}.test` }, "owner_email", "TOO_LONG"],
    ["an e-mail with a display name", { displayName: "X", ownerEmail: "Eve <eve@x.test>" }, "owner_email", "MALFORMED"],
  ])("refuses %s", async (_what, request, field, reason) => {
    const err = await failure(tenants.registerTenant(request));
    expect(err).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD", fields: [field] });
    expect(err.violations[0]!.reason).toBe(reason);
  });

  it.each(["", "123", "not-a-uuid", "0190f0a4-5b6c-7d8e-9f00-11223344556g", "'; DROP TABLE tenants; --"])(
    "refuses the malformed tenant id %j",
    async (tenantId) => {
      const errors = await Promise.all(
        [tenants.getTenant({ tenantId }), tenants.activateTenant({ tenantId }), tenants.listAuditEvents({ tenantId })].map(failure),
      );
      for (const err of errors) {
        expect(err).toMatchObject({ code: Code.InvalidArgument, fields: ["tenant_id"] });
        expect(err.message).toMatch(/tenant_id (is required|must be a UUID)/);
      }
    },
  );

  it("refuses a negative page size", async () => {
    expect(await failure(tenants.listTenants({ pageSize: -1 }))).toMatchObject({ code: Code.InvalidArgument, fields: ["page_size"] });
  });

  it("refuses an unknown enum value in binary and in JSON", async () => {
    const err = await failure(tenants.listTenants({ state: 99 as TenantState }));
    expect(err).toMatchObject({ code: Code.InvalidArgument, fields: ["state"] });
    expect(err.message).toContain("TENANT_STATE_ACTIVE");

    const res = await fetch(`${server.url}/${TenantService.typeName}/ListTenants`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: JSON.stringify({ state: "TENANT_STATE_DELETED" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_argument", message: expect.stringContaining("TENANT_STATE_DELETED") });
  });

  it("refuses unknown JSON fields and malformed JSON", async () => {
    for (const body of ['{"displayNam":"x"}', "{not json"]) {
      const res = await fetch(`${server.url}/${TenantService.typeName}/RegisterTenant`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${OPERATOR_TOKEN}` },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe("invalid_argument");
    }
  });

  it("refuses an oversized message with RESOURCE_EXHAUSTED over every protocol", async () => {
    const big = { displayName: "x".repeat(8000), ownerEmail: "a@b.test" };
    for (const protocol of ["connect-json-h1", "connect-binary-h2", "grpc", "grpc-web-h1"] as const) {
      const client = clientFor(TenantService, server.url, { protocol });
      const err = await failure(client.registerTenant(big));
      expect(err.code, protocol).toBe(Code.ResourceExhausted);
      expect(err.message, protocol).toMatch(/exceeds|too large|max/i);
    }
    // Sanity: the limit is about size, not content.
    expect(toBinary(ListTenantsRequestSchema, create(ListTenantsRequestSchema, {})).length).toBe(0);
  });
});
