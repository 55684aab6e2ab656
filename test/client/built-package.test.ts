/**
 * The package as a consumer gets it: `npm run build:client` compiles src/client and the generated
 * code to JavaScript + declarations, and package.json's `exports` point there. A plain Node
 * process (no tsx, no loader; the tests themselves run under vitest's transforms) imports the
 * package by name and calls a real server; tsc type-checks a TypeScript consumer against the
 * declarations.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

let server: TestServer;
let consumer: string;

beforeAll(async () => {
  await run("npm", ["run", "--silent", "build:client"], { cwd: ROOT, timeout: 120_000 });
  // A consumer project with the package installed as a link (as `npm install <path>` makes it).
  consumer = mkdtempSync(path.join(tmpdir(), "tp-consumer-"));
  mkdirSync(path.join(consumer, "node_modules"));
  symlinkSync(ROOT, path.join(consumer, "node_modules", "trueparser-control-plane"), "dir");
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

const CONSUMER_MJS = `
import { createControlPlaneClient, ErrorInfoSchema, TenantState } from "trueparser-control-plane";

const [baseUrl, token] = process.argv.slice(2);
const out = { resolved: import.meta.resolve("trueparser-control-plane"), protocols: {} };
for (const protocol of ["connect", "grpc", "grpc-web"]) {
  const cp = createControlPlaneClient({ baseUrl, token, protocol });
  const { tenant } = await cp.tenants.registerTenant({ displayName: "Plain " + protocol, ownerEmail: "ops@" + protocol + ".test" });
  const { outboxMessages } = await cp.outbox.listOutboxMessages({ tenantId: tenant.tenantId });
  const { status } = await cp.health.check({});
  const { app } = await cp.apps.createApp({ tenantId: tenant.tenantId, displayName: "Rotating", licenseRegion: "eu" });
  const added = await cp.apps.addAppSecret({ appId: app.appId });
  let reason;
  try {
    await cp.apps.getApp({ appId: "0190f0a4-5b6c-7d8e-9f00-112233445566" });
  } catch (err) {
    reason = err.findDetails(ErrorInfoSchema)[0]?.reason;
  }
  out.protocols[protocol] = {
    pending: tenant.state === TenantState.PENDING_ACTIVATION,
    outbox: outboxMessages.map((m) => m.template),
    health: status,
    secrets: added.app.secrets.length,
    reason,
  };
}
process.stdout.write(JSON.stringify(out));
`;

const CONSUMER_TS = `
import { createControlPlaneClient, TenantState, type AppKey, type ControlPlaneClient, type Tenant } from "trueparser-control-plane";

const cp: ControlPlaneClient = createControlPlaneClient({ baseUrl: "http://localhost:8080", protocol: "grpc" });
export async function activate(tenantId: string): Promise<Tenant | undefined> {
  const { tenant } = await cp.tenants.activateTenant({ tenantId });
  return tenant?.state === TenantState.ACTIVE ? tenant : undefined;
}
export async function dead(): Promise<number> {
  return (await cp.outbox.listOutboxMessages({ pageSize: 10 })).outboxMessages.length;
}
// The credentials RPCs (issue 16): a second secret, revoking the first, a lifetime, a public key.
export async function rotate(appId: string, oldSecretId: string, jwk: string): Promise<AppKey | undefined> {
  const { clientSecret } = await cp.apps.addAppSecret({ appId });
  await cp.apps.revokeAppSecret({ appId, secretId: oldSecretId });
  await cp.apps.updateApp({ app: { appId, tokenLifetime: { seconds: 900n } }, updateMask: { paths: ["token_lifetime"] } });
  void clientSecret;
  return (await cp.apps.addAppKey({ appId, jwk })).key;
}
// @ts-expect-error the declarations are real types: a misspelt field is refused
cp.tenants.getTenant({ tenantIdd: "x" });
// @ts-expect-error and so is a protocol the factory does not offer
createControlPlaneClient({ baseUrl: "http://localhost:8080", protocol: "smoke-signals" });
`;

describe("the built package", () => {
  it("imports by name in plain Node, without a TypeScript loader, and calls a real server (the outbox and the health check included) over each protocol", async () => {
    const script = path.join(consumer, "consumer.mjs");
    writeFileSync(script, CONSUMER_MJS);
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // nothing inherited from the test runner may register a loader
    const { stdout } = await run(process.execPath, [script, server.url, OPERATOR_TOKEN], { cwd: consumer, env, timeout: 60_000 });
    const result = JSON.parse(stdout);
    expect(result.resolved).toBe(`file://${ROOT}/dist/client/src/client/index.js`);
    for (const protocol of ["connect", "grpc", "grpc-web"]) {
      expect(result.protocols[protocol]).toEqual({ pending: true, outbox: ["tenant_welcome"], health: 1, secrets: 2, reason: "APP_NOT_FOUND" });
    }
  });

  it("ships type declarations a TypeScript consumer compiles against (the `types` condition)", async () => {
    writeFileSync(path.join(consumer, "consumer.ts"), CONSUMER_TS);
    writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          typeRoots: [path.join(ROOT, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const checked = await run(process.execPath, [tsc, "-p", consumer, "--listFiles"], { cwd: consumer, timeout: 120_000 }).catch((err: { stdout: string }) => {
      throw new Error(`the consumer did not type-check:\n${err.stdout}`);
    });
    expect(checked.stdout).toContain(`${ROOT}/dist/client/src/client/index.d.ts`);
    expect(checked.stdout).not.toContain(`${ROOT}/src/client/index.ts`);
  });
});
