/**
 * The standard error details on the wire: every failure carries `google.rpc.ErrorInfo`, and bad
 * input `google.rpc.BadRequest` (src/transport/connect/error-mapping.ts), decoded as a gRPC client
 * in any language decodes them: grpc-js reading the `google.rpc.Status` in `grpc-status-details-bin`,
 * connect-es's ConnectError, and Connect's JSON error body (the README's curl example). The Python
 * and Go clients are in test/clients.
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/ts/google/rpc/status_pb.js";
import {
  GetTenantRequestSchema,
  GetTenantResponseSchema,
  RegisterTenantRequestSchema,
  RegisterTenantResponseSchema,
  TenantService,
} from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, type Protocol } from "../support/clients.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

const DOMAIN = "controlplane.trueparser.com";
const UNKNOWN_TENANT = "0190f0a4-5b6c-7d8e-9f00-112233445566";
const BAD_REGISTRATION = { displayName: " ", ownerEmail: "not-an-address" };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A unary method for @grpc/grpc-js's generic client, (de)serialized with the generated schemas. */
function grpcJsMethod<I extends DescMessage, O extends DescMessage>(name: string, input: I, output: O) {
  return {
    path: `/${TenantService.typeName}/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: MessageShape<I>) => Buffer.from(toBinary(input, m)),
    requestDeserialize: (b: Buffer) => fromBinary(input, b),
    responseSerialize: () => Buffer.alloc(0),
    responseDeserialize: (b: Buffer) => fromBinary(output, b),
  } as const;
}

/** Calls a TenantService method with grpc-js and returns the error it fails with. */
async function grpcJsFailure(name: "GetTenant" | "RegisterTenant", request: object): Promise<grpc.ServiceError> {
  const Client = grpc.makeGenericClientConstructor(
    {
      GetTenant: grpcJsMethod("GetTenant", GetTenantRequestSchema, GetTenantResponseSchema),
      RegisterTenant: grpcJsMethod("RegisterTenant", RegisterTenantRequestSchema, RegisterTenantResponseSchema),
    },
    "TenantService",
  );
  const client = new Client(new URL(server.url).host, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${OPERATOR_TOKEN}`);
  const schema = name === "GetTenant" ? GetTenantRequestSchema : RegisterTenantRequestSchema;
  try {
    return await new Promise<grpc.ServiceError>((resolve, reject) =>
      (client as unknown as Record<string, Function>)[name]!(create(schema, request), metadata, (err: grpc.ServiceError | null) =>
        err ? resolve(err) : reject(new Error(`${name} succeeded`)),
      ),
    );
  } finally {
    client.close();
  }
}

/** The google.rpc.Status a grpc-js error carries in `grpc-status-details-bin`. */
function statusOf(err: grpc.ServiceError) {
  const [bin] = err.metadata.get("grpc-status-details-bin");
  expect(bin, "grpc-status-details-bin").toBeInstanceOf(Buffer);
  return fromBinary(StatusSchema, bin as Buffer);
}

describe("google.rpc error details", () => {
  it("grpc-js: a NOT_FOUND carries google.rpc.Status with a google.rpc.ErrorInfo", async () => {
    const err = await grpcJsFailure("GetTenant", { tenantId: UNKNOWN_TENANT });
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    const status = statusOf(err);
    expect(status.code).toBe(grpc.status.NOT_FOUND);
    expect(status.message).toBe(err.details);
    expect(status.details.map((d) => d.typeUrl)).toEqual(["type.googleapis.com/google.rpc.ErrorInfo"]);
    expect(anyUnpack(status.details[0]!, ErrorInfoSchema)).toMatchObject({
      reason: "TENANT_NOT_FOUND",
      domain: DOMAIN,
      metadata: { tenant_id: UNKNOWN_TENANT },
    });
  });

  it("grpc-js: bad input carries google.rpc.ErrorInfo and google.rpc.BadRequest naming each field", async () => {
    const err = await grpcJsFailure("RegisterTenant", BAD_REGISTRATION);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    const status = statusOf(err);
    expect(status.details.map((d) => d.typeUrl)).toEqual([
      "type.googleapis.com/google.rpc.ErrorInfo",
      "type.googleapis.com/google.rpc.BadRequest",
    ]);
    expect(anyUnpack(status.details[0]!, ErrorInfoSchema)).toMatchObject({ reason: "INVALID_FIELD", domain: DOMAIN });
    const bad = anyUnpack(status.details[1]!, BadRequestSchema)!;
    expect(bad.fieldViolations.map(({ field, reason }) => ({ field, reason }))).toEqual([
      { field: "display_name", reason: "REQUIRED" },
      { field: "owner_email", reason: "MALFORMED" },
    ]);
    expect(bad.fieldViolations[0]!.description).toBe("display_name is required");
  });

  const PROTOCOLS: Protocol[] = ["connect-json-h1", "connect-binary-h2", "grpc", "grpc-web-h1"];
  it.each(PROTOCOLS)("connect-es over %s: ConnectError details are google.rpc.ErrorInfo and BadRequest", async (protocol) => {
    const tenants = clientFor(TenantService, server.url, { protocol });
    const err = await tenants.registerTenant(BAD_REGISTRATION).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    const error = err as ConnectError;
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.details.map((d) => ("type" in d ? d.type : d.desc.typeName))).toEqual(["google.rpc.ErrorInfo", "google.rpc.BadRequest"]);
    expect(error.findDetails(ErrorInfoSchema)).toMatchObject([{ reason: "INVALID_FIELD", domain: DOMAIN }]);
    expect(error.findDetails(BadRequestSchema)[0]!.fieldViolations.map((v) => v.field)).toEqual(["display_name", "owner_email"]);
  });

  it("Connect JSON: the error body names google.rpc.ErrorInfo, as the README shows", async () => {
    const res = await fetch(`${server.url}/${TenantService.typeName}/GetTenant`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ tenantId: UNKNOWN_TENANT }),
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { code: string; details: Array<{ type: string; value: string; debug?: unknown }> };
    expect(body.code).toBe("not_found");
    expect(body.details.map((d) => d.type)).toEqual(["google.rpc.ErrorInfo"]);
    const info = fromBinary(ErrorInfoSchema, Buffer.from(body.details[0]!.value, "base64"));
    expect(info).toMatchObject({ reason: "TENANT_NOT_FOUND", domain: DOMAIN, metadata: { tenant_id: UNKNOWN_TENANT } });
  });
});
