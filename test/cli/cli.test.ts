/**
 * The operators' CLI against a running server: tables by default, proto JSON with --json, and
 * exit codes that scripts can rely on.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { EXIT, runCli } from "../../src/cli/main.js";
import { cliFor } from "../support/cli.js";
import { clientFor } from "../support/clients.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const cli = (...argv: string[]) => cliFor(server)(...argv);

describe("trueparser-cp", () => {
  it("takes a tenant through its lifecycle, in tables and in JSON", async () => {
    const { tenant } = await clientFor(TenantService, server.url).registerTenant({ displayName: "CLI Corp", ownerEmail: "cli@cli.test" });
    const id = tenant!.tenantId;

    const listed = await cli("tenants", "list", "--state", "pending");
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.out.split("\n")[0]).toMatch(/^ID\s+NAME\s+OWNER\s+STATE\s+CREATED\s+ACTIVATED$/);
    expect(listed.out).toContain(id);
    expect(listed.out).toContain("PENDING_ACTIVATION");

    const activated = await cli("--json", "tenants", "activate", id);
    expect(activated.code).toBe(EXIT.ok);
    expect(JSON.parse(activated.out)).toMatchObject({ tenantId: id, state: "TENANT_STATE_ACTIVE", displayName: "CLI Corp" });

    const shown = await cli("tenants", "show", id);
    expect(shown.out).toMatch(/^state\s+ACTIVE$/m);

    expect((await cli("tenants", "suspend", id)).code).toBe(EXIT.ok);
    const refused = await cli("tenants", "activate", id);
    expect(refused).toMatchObject({ code: EXIT.conflict, out: "" });
    expect(refused.err).toContain("(TENANT_SUSPENDED)");
    expect((await cli("tenants", "reactivate", id)).code).toBe(EXIT.ok);
  });

  it("manages plans and signing keys", async () => {
    const created = await cli("--json", "plans", "create", "--name", "Free tier", "--units", "500", "--free");
    expect(created.code).toBe(EXIT.ok);
    const plan = JSON.parse(created.out);
    expect(plan).toMatchObject({ displayName: "Free tier", free: true, monthlyDocumentUnits: "500", state: "PLAN_STATE_ACTIVE" });
    expect((await cli("plans", "list")).out).toContain(plan.planId);
    expect((await cli("plans", "retire", plan.planId)).out).toMatch(/^state\s+RETIRED$/m);
    expect((await cli("plans", "list")).out).not.toContain(plan.planId);
    expect((await cli("plans", "list", "--all")).out).toContain(plan.planId);

    const keys = await cli("--json", "keys", "list");
    expect(JSON.parse(keys.out)).toEqual([expect.objectContaining({ algorithm: "ES256", state: "SIGNING_KEY_STATE_ACTIVE" })]);
    const rotated = await cli("keys", "rotate", "--alg", "RS256");
    expect(rotated.out).toMatch(/^state\s+PENDING$/m);
  });

  it("creates, lists and retires license regions", async () => {
    const created = await cli("--json", "regions", "create", "mars", "--name", "Mars", "--aliases", "red-planet, MRS", "--database-code", "mars-1");
    expect(created.code).toBe(EXIT.ok);
    expect(JSON.parse(created.out)).toMatchObject({
      code: "mars",
      displayName: "Mars",
      aliases: ["red-planet", "mrs"],
      databaseCode: "mars-1",
      state: "LICENSE_REGION_STATE_ACTIVE",
    });
    expect((await cli("regions", "list")).out).toMatch(/^mars\s+Mars\s+red-planet,mrs\s+mars-1\s+ACTIVE$/m);

    const taken = await cli("regions", "create", "venus", "--name", "Venus", "--aliases", "eu");
    expect(taken.code).toBe(EXIT.conflict);
    expect(taken.err).toContain("(LICENSE_REGION_ALREADY_EXISTS)");

    expect((await cli("regions", "retire", "mars")).out).toMatch(/^state\s+RETIRED$/m);
    expect((await cli("regions", "list")).out).not.toContain("mars");
    expect((await cli("regions", "list", "--all")).out).toContain("mars");
    expect((await cli("regions", "retire", "pluto")).code).toBe(EXIT.notFound);
  });

  it("updates a license region: only the fields given, by field mask", async () => {
    expect((await cli("regions", "create", "ceres", "--name", "Ceres", "--aliases", "belt")).code).toBe(EXIT.ok);

    const renamed = await cli("--json", "regions", "update", "ceres", "--name", "Ceres Station");
    expect(renamed.code).toBe(EXIT.ok);
    // Aliases were not named, so they stay; the database code is still unset.
    expect(JSON.parse(renamed.out)).toMatchObject({ code: "ceres", displayName: "Ceres Station", aliases: ["belt"] });
    expect(JSON.parse(renamed.out).databaseCode ?? "").toBe("");

    const stamped = await cli("regions", "update", "ceres", "--database-code", "ceres-1", "--aliases", "Asteroids, belt-2");
    expect(stamped.code).toBe(EXIT.ok);
    expect(stamped.out).toMatch(/^name\s+Ceres Station$/m);
    expect(stamped.out).toMatch(/^aliases\s+asteroids,belt-2$/m);
    expect(stamped.out).toMatch(/^database\s+ceres-1$/m);
    expect((await cli("regions", "list")).out).toMatch(/^ceres\s+Ceres Station\s+asteroids,belt-2\s+ceres-1\s+ACTIVE$/m);

    const cleared = await cli("--json", "regions", "update", "ceres", "--aliases", "");
    expect(cleared.code).toBe(EXIT.ok);
    expect(JSON.parse(cleared.out).aliases ?? []).toEqual([]);

    const typo = await cli("regions", "update", "ceres", "--aliases", "belt,,rock");
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.err).toMatch(/an empty entry in "belt,,rock"/);

    const nothing = await cli("regions", "update", "ceres");
    expect(nothing.code).toBe(EXIT.usage);
    expect(nothing.err).toMatch(/nothing to update: give --name, --aliases and\/or --database-code/);
    expect(nothing.err).toContain("usage: trueparser-cp regions update CODE");

    const unclear = await cli("regions", "update", "ceres", "--database-code", "");
    expect(unclear.code).toBe(EXIT.usage);
    expect(unclear.err).toMatch(/cannot be cleared/);

    const taken = await cli("regions", "update", "ceres", "--aliases", "europe");
    expect(taken.code).toBe(EXIT.conflict);
    expect(taken.err).toContain("(LICENSE_REGION_ALREADY_EXISTS)");

    expect((await cli("regions", "update", "pluto", "--name", "Pluto")).code).toBe(EXIT.notFound);
    expect((await cli("regions", "update")).err).toMatch(/missing CODE/);
    expect((await cli("regions", "--help")).out).toContain("trueparser-cp regions update CODE [--name NAME] [--aliases A,B] [--database-code DB]");
  });

  it.each([
    ["not found", ["tenants", "show", "0190f0a4-5b6c-7d8e-9f00-112233445566"], EXIT.notFound, /TENANT_NOT_FOUND/],
    ["bad input", ["tenants", "show", "not-a-uuid"], EXIT.usage, /tenant_id must be a UUID/],
    ["a bad option value", ["plans", "create", "--name", "x", "--units", "lots"], EXIT.usage, /--units must be a whole number/],
    ["a missing argument", ["tenants", "activate"], EXIT.usage, /missing TENANT_ID/],
    ["an unknown command", ["tenants", "explode"], EXIT.usage, /unknown command: tenants explode/],
    ["an unknown option", ["tenants", "list", "--colour"], EXIT.usage, /Unknown option '--colour'/],
  ])("exits with the right code for %s", async (_what, argv, code, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it("exits 4 without valid credentials and 6 when the server is unreachable", async () => {
    const io = { out: () => undefined, err: () => undefined };
    const anonymous = await cliFor(server, { env: { TRUEPARSER_URL: server.url } })("tenants", "list");
    expect(anonymous.code).toBe(EXIT.denied);
    expect(anonymous.err).toContain("no operator token: set TRUEPARSER_OPERATOR_TOKEN (or OPERATOR_TOKEN) in the environment, or pass --token TOKEN");
    const wrong = await cliFor(server, { env: { TRUEPARSER_URL: server.url } })("--token", "x".repeat(40), "tenants", "list");
    expect(wrong.code).toBe(EXIT.denied);
    expect(wrong.err).not.toContain("no operator token");
    expect(await runCli(["--url", "http://127.0.0.1:1", "--token", OPERATOR_TOKEN, "tenants", "list"], {}, io)).toBe(EXIT.unavailable);
  });

  it("prints help for every group, and runs as the package bin", async () => {
    for (const group of ["tenants", "members", "audit", "regions", "plans", "apps", "keys", "outbox", "call"]) {
      const r = await cli(group, "--help");
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toContain(`trueparser-cp ${group} `);
    }
    const run = promisify(execFile);
    const { stdout } = await run("node", ["bin/trueparser-cp.mjs", "--url", server.url, "--token", OPERATOR_TOKEN, "--json", "keys", "list"], {
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)[0]).toHaveProperty("keyId");
  });
});
