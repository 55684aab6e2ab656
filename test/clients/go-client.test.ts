/**
 * The generated Go stubs (gen/go) against a real server over gRPC: examples/go/onboard and
 * examples/go/errors are built in GOPATH mode against Debian's Go sources (no module proxy here)
 * and run. The errors example reads google.rpc.ErrorInfo and google.rpc.BadRequest with Debian's
 * google.golang.org/genproto/googleapis/rpc/errdetails, the package Go programs use.
 *
 * A compile check alone is not enough: with Debian's golang-github-golang-protobuf-1-3-dev, gRPC-Go
 * 1.33 compiles these stubs but panics decoding the first response; it needs the 1.5 shim
 * (golang-github-golang-protobuf-1-5-dev), which this test proves is in place.
 *
 * Skipped, with the reason printed, where `go` or those sources are missing, unless
 * REQUIRE_GO_CLIENT=1 (CI sets it), where that fails instead.
 */
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

const root = path.resolve(import.meta.dirname, "../..");
const GOCODE = "/usr/share/gocode";

function goMissing(): string | undefined {
  try {
    execFileSync("go", ["version"], { stdio: "pipe" });
  } catch {
    return "no go toolchain (install golang-go)";
  }
  const sources = ["google.golang.org/grpc", "google.golang.org/protobuf", "google.golang.org/genproto/googleapis/rpc/errdetails"];
  if (sources.some((s) => !existsSync(path.join(GOCODE, "src", s)))) {
    return `no Go gRPC/protobuf/genproto sources under ${GOCODE} (install golang-google-grpc-dev golang-google-protobuf-dev golang-google-genproto-dev)`;
  }
  return undefined;
}
const missing = goMissing();
const required = process.env.REQUIRE_GO_CLIENT === "1";
if (missing && !required) console.warn(`skipping the Go client test: ${missing}`);

let server: TestServer;
let work: string;
let bin: string;
const run = promisify(execFile);

describe.skipIf(missing !== undefined && !required)("the Go client over gRPC", () => {
  beforeAll(async () => {
    if (missing) throw new Error(`REQUIRE_GO_CLIENT=1 but ${missing}`);
    work = mkdtempSync(path.join(tmpdir(), "tp-go-"));
    const gopathModule = path.join(work, "src/github.com/trueparser/control-plane");
    mkdirSync(gopathModule, { recursive: true });
    cpSync(path.join(root, "gen/go"), path.join(gopathModule, "gen/go"), { recursive: true });
    cpSync(path.join(root, "examples/go"), path.join(gopathModule, "examples/go"), { recursive: true });
    bin = path.join(work, "bin");
    mkdirSync(bin);
    const env = {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: `${work}:${GOCODE}`,
      GOFLAGS: "",
      // A build cache that outlives the run: a cold build of Debian's gRPC-Go takes ~30 s.
      GOCACHE: process.env.GOCACHE ?? path.join(tmpdir(), "trueparser-go-build-cache"),
    };
    // One build for both programs: with -o naming a directory, go build writes each command there.
    await run("go", ["build", "-o", bin, "github.com/trueparser/control-plane/examples/go/..."], { env, timeout: 120_000 });
    server = await startTestServer();
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("registers and activates a tenant and creates an app (examples/go/onboard)", async () => {
    const target = new URL(server.url).host;
    const { stdout } = await run(path.join(bin, "onboard"), ["-target", target, "-operator-token", OPERATOR_TOKEN], { timeout: 30_000 });
    expect(stdout).toMatch(/^tenant [0-9a-f-]{36}, app [0-9a-f-]{36}, client_id tpc_[0-9a-f]{32}, client_secret tpcs_\S+\n$/);
  });

  it("reads google.rpc.ErrorInfo and google.rpc.BadRequest with errdetails (examples/go/errors)", async () => {
    const target = new URL(server.url).host;
    const { stdout } = await run(path.join(bin, "errors"), ["-target", target, "-operator-token", OPERATOR_TOKEN], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      missing_tenant: {
        code: "NotFound",
        reason: "TENANT_NOT_FOUND",
        domain: "controlplane.trueparser.com",
        metadata: { tenant_id: "0190f0a4-5b6c-7d8e-9f00-112233445566" },
      },
      invalid_tenant: {
        code: "InvalidArgument",
        reason: "INVALID_FIELD",
        domain: "controlplane.trueparser.com",
        metadata: { fields: "display_name,owner_email" },
        field_violations: [
          { field: "display_name", description: "display_name is required" },
          { field: "owner_email", description: expect.stringContaining("owner_email") },
        ],
      },
    });
  });
});
