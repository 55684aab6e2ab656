/**
 * The `google.api.field_behavior` annotations in proto/ (AIP-203) hold on a real server:
 *   - every REQUIRED field of a request is refused when it is missing (an empty request names it
 *     in its BadRequest, or, for credentials, the call is refused outright);
 *   - on the resources sent back in updates (App in UpdateApp, LicenseRegion in
 *     UpdateLicenseRegion), exactly the OUTPUT_ONLY, IMMUTABLE and IDENTIFIER fields are refused
 *     as update-mask paths (READ_ONLY_FIELD), and every other field can be updated.
 */
import { getOption, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { Code, createClient, type Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { field_behavior, FieldBehavior } from "../../gen/ts/google/api/field_behavior_pb.js";
import { AppSchema, LicenseRegionSchema } from "../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { Health } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { SERVED_SERVICES } from "../../src/transport/connect/routes.js";
import { failure, transportFor } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

const behaviours = (field: DescField) => getOption(field, field_behavior);
const required = (message: DescMessage) => message.fields.filter((f) => behaviours(f).includes(FieldBehavior.REQUIRED));
const READ_ONLY = [FieldBehavior.OUTPUT_ONLY, FieldBehavior.IMMUTABLE, FieldBehavior.IDENTIFIER];
const readOnly = (field: DescField) => behaviours(field).some((b) => READ_ONLY.includes(b));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const CONTRACT = SERVED_SERVICES.filter((s) => s.typeName !== Health.typeName);

describe("REQUIRED request fields", () => {
  const cases = CONTRACT.flatMap((service) =>
    service.methods.filter((m) => required(m.input).length > 0).map((method) => ({ rpc: `${service.name}/${method.name}`, service, method })),
  );

  it("annotates the requests that have required fields", () => {
    expect(cases.length).toBeGreaterThan(25);
  });

  it.each(cases)("$rpc refuses a request without its required fields", async ({ service, method }) => {
    const client = createClient(service, transportFor(server.url, "connect-json-h1", OPERATOR_TOKEN)) as unknown as Record<
      string,
      (req: object) => Promise<unknown>
    >;
    const got = await failure(client[method.localName]!({}));
    if (method.name === "IssueToken") {
      // Missing client credentials are refused as the OAuth token endpoint refuses them.
      expect({ code: Code[got.code], reason: got.reason }).toEqual({ code: Code[Code.Unauthenticated], reason: "INVALID_CLIENT" });
      return;
    }
    expect({ code: Code[got.code], reason: got.reason }).toEqual({ code: Code[Code.InvalidArgument], reason: "INVALID_FIELD" });
    for (const field of required(method.input)) {
      expect(got.fields.some((f) => f === field.name || f.startsWith(`${field.name}.`) || f.startsWith(`${field.name}[`)), `${field.name} in ${got.fields.join(", ")}`).toBe(true);
    }
  });
});

describe("read-only resource fields (OUTPUT_ONLY, IMMUTABLE, IDENTIFIER)", () => {
  let apps: Client<typeof AppService>;
  let appId: string;
  beforeAll(async () => {
    apps = createClient(AppService, transportFor(server.url, "connect-json-h1", OPERATOR_TOKEN));
    appId = (await onboard(server.url)).app.appId;
    await apps.createLicenseRegion({ licenseRegion: { code: "fb-test", displayName: "Field behaviour" } });
  });

  const update = {
    App: (path: string) =>
      apps.updateApp({ app: { appId, displayName: "Renamed", allowedDomains: ["fb.example"] }, updateMask: { paths: [path] } }),
    LicenseRegion: (path: string) =>
      apps.updateLicenseRegion({
        licenseRegion: { code: "fb-test", displayName: "Renamed", aliases: ["fb-alias"], databaseCode: "fb-1" },
        updateMask: { paths: [path] },
      }),
  };
  const fields = [AppSchema, LicenseRegionSchema].flatMap((message) =>
    message.fields.map((field) => ({ message: message.name as keyof typeof update, field: field.name, readOnly: readOnly(field) })),
  );

  it.each(fields)("$message $field: refused as an update-mask path exactly when annotated read-only ($readOnly)", async ({ message, field, readOnly }) => {
    const answer = update[message](field).then(
      () => "updated",
      async (e: unknown) => (await failure(Promise.reject(e))).violations.map((v) => v.reason).join(","),
    );
    expect(await answer).toBe(readOnly ? "READ_ONLY_FIELD" : "updated");
  });
});
