/**
 * The generated Python client (gen/python) against a real server over gRPC, driven by the example
 * scripts in examples/python with Debian's python3-grpcio (/usr/bin/python3).
 *
 * Skipped, with the reason printed, on a machine without python3-grpcio, unless
 * REQUIRE_PYTHON_CLIENT=1 (CI sets it), where a missing runtime fails instead of hiding.
 */
import { execFile, execFileSync } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

const PYTHON = "/usr/bin/python3";
const root = path.resolve(import.meta.dirname, "../..");

function pythonGrpcMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ["-c", "import grpc, google.protobuf"], { stdio: "pipe" });
    return undefined;
  } catch (err) {
    return `${PYTHON} cannot import grpc (install python3-grpcio python3-protobuf): ${String((err as Error).message).split("\n")[0]}`;
  }
}
const missing = pythonGrpcMissing();

/** PyJWT and cryptography, for the private_key_jwt example (Debian: python3-jwt, python3-cryptography). */
function pythonJwtMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ["-c", "import jwt, cryptography"], { stdio: "pipe" });
    return undefined;
  } catch (err) {
    return `${PYTHON} cannot import jwt (install python3-jwt python3-cryptography): ${String((err as Error).message).split("\n")[0]}`;
  }
}
const jwtMissing = pythonJwtMissing();
if (jwtMissing && !process.env.REQUIRE_PYTHON_CLIENT) console.warn(`skipping the Python private_key_jwt example: ${jwtMissing}`);
const required = process.env.REQUIRE_PYTHON_CLIENT === "1";
if (missing && !required) console.warn(`skipping the Python client tests: ${missing}`);

let server: TestServer;
let target: string;

/** Runs an example script against the test server and parses the JSON line it prints. */
async function runExample(script: string): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)(
    PYTHON,
    [path.join(root, "examples/python", script), "--target", target, "--operator-token", OPERATOR_TOKEN],
    // No .pyc files written into the source tree.
    { cwd: root, timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONDONTWRITEBYTECODE: "1" } },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe.skipIf(missing !== undefined && !required)("the Python client over gRPC", () => {
  beforeAll(async () => {
    if (missing) throw new Error(`REQUIRE_PYTHON_CLIENT=1 but ${missing}`);
    // Real time: the private_key_jwt example signs its assertions with its own clock.
    server = await startTestServer({ clockStart: new Date().toISOString() });
    target = new URL(server.url).host;
  });
  afterAll(() => server?.close());

  it("registers and activates a tenant, creates and lists an app, and reads error codes and the standard error details", async () => {
    const out = await runExample("manage_apps.py");
    expect(out).toMatchObject({
      tenant_state: "TENANT_STATE_ACTIVE",
      app: {
        license_region: "eu",
        database_code: "eu-1",
        allowed_domains: ["api.python.example"],
        enabled: true,
        client_id: expect.stringMatching(/^tpc_[0-9a-f]{32}$/),
      },
      client_secret_returned: true,
      // google.rpc.ErrorInfo and google.rpc.BadRequest, decoded from grpc-status-details-bin with
      // the google.rpc messages generated into gen/python (examples/python/error_details.py).
      missing_app: { code: "NOT_FOUND", reason: "APP_NOT_FOUND", domain: "controlplane.trueparser.com" },
      invalid_app: {
        code: "INVALID_ARGUMENT",
        reason: "INVALID_FIELD",
        field_violations: [{ field: "display_name", reason: "REQUIRED", description: "display_name is required" }],
      },
      anonymous: "UNAUTHENTICATED",
    });
    expect(out.listed_app_ids).toEqual([out.app.app_id]);
  });

  it("takes a tenant from registration to a token with a plan's limits (examples/python/onboard.py)", async () => {
    const out = await runExample("onboard.py");
    expect(out).toMatchObject({
      tenant_state: "TENANT_STATE_ACTIVE",
      database_code: "eu-1",
      token_type: expect.stringMatching(/^bearer$/i), // RFC 6749 §7.1: case-insensitive
      expires_in: expect.any(Number),
      wrong_secret: { code: "UNAUTHENTICATED", reason: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/) },
    });
    expect(out.expires_in).toBeGreaterThan(0);
    expect(out.claims).toMatchObject({
      app_id: out.app_id,
      tenant_id: out.tenant_id,
      region: "eu",
      database_code: "eu-1",
      allowed_domains: ["api.python.example"],
      limits: { plan_id: expect.any(String), monthly_document_units: 2500 },
    });
  });

  it.skipIf(jwtMissing !== undefined && !required)("gets a token with private_key_jwt, signed by PyJWT (examples/python/private_key_jwt.py)", async () => {
    if (jwtMissing) throw new Error(`REQUIRE_PYTHON_CLIENT=1 but ${jwtMissing}`);
    const out = await runExample("private_key_jwt.py");
    expect(out).toMatchObject({
      key: { key_id: "python-backend-1", algorithm: "ES256" },
      status: 200,
      token_type: "Bearer",
      expires_in: 3600,
      claims: { sub: out.client_id, client_id: out.client_id },
      replay: { status: 401, error: "invalid_client" },
      rpc_expires_in: 3600,
    });
  });
});
