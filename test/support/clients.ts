/** Typed clients over each protocol the one port serves. */
import { create, fromBinary, toBinary, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { createClient, ConnectError, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ErrorInfoSchema, BadRequestSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import {
  IssueTokenRequestSchema,
  IssueTokenResponseSchema,
  TokenService,
  type IssueTokenRequest,
  type IssueTokenResponse,
} from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { OPERATOR_TOKEN } from "./server.js";

export type Protocol = "connect-json-h1" | "connect-binary-h2" | "grpc" | "grpc-web-h1";

export function bearer(token: string | undefined): Interceptor {
  return (next) => async (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

export function transportFor(baseUrl: string, protocol: Protocol, token: string | undefined) {
  const interceptors = [bearer(token)];
  switch (protocol) {
    case "connect-json-h1":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors });
    case "connect-binary-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, interceptors });
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web-h1":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  }
}

export function clientFor<T extends DescService>(
  service: T,
  baseUrl: string,
  opts: { protocol?: Protocol; token?: string | null } = {},
): Client<T> {
  const token = opts.token === null ? undefined : (opts.token ?? OPERATOR_TOKEN);
  return createClient(service, transportFor(baseUrl, opts.protocol ?? "connect-json-h1", token));
}

/** Runs a call expected to fail and returns its ConnectError, with the reason and field violations. */
export async function failure(call: Promise<unknown>) {
  let error: unknown;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(error)}`);
  const info = error.findDetails(ErrorInfoSchema)[0];
  const bad = error.findDetails(BadRequestSchema)[0];
  return {
    code: error.code,
    message: error.rawMessage,
    reason: info?.reason,
    metadata: info?.metadata ?? {},
    fields: bad?.fieldViolations.map((v) => v.field) ?? [],
    violations: bad?.fieldViolations ?? [],
  };
}

/** A @grpc/grpc-js client of TokenService/IssueToken alone (a real gRPC stack, not connect's). */
export function grpcJsIssueTokenClient(url: string) {
  const Client = grpc.makeGenericClientConstructor(
    {
      IssueToken: {
        path: `/${TokenService.typeName}/IssueToken`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (m: IssueTokenRequest) => Buffer.from(toBinary(IssueTokenRequestSchema, m)),
        requestDeserialize: (b: Buffer) => fromBinary(IssueTokenRequestSchema, b),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: (b: Buffer) => fromBinary(IssueTokenResponseSchema, b),
      },
    },
    "TokenService",
  );
  const client = new Client(new URL(url).host, grpc.credentials.createInsecure());
  const issueToken = (m: MessageInitShape<typeof IssueTokenRequestSchema>) =>
    new Promise<{ response?: IssueTokenResponse; error?: grpc.ServiceError }>((resolve) =>
      (client as unknown as Record<string, Function>).IssueToken!(create(IssueTokenRequestSchema, m), (error: grpc.ServiceError | null, response: IssueTokenResponse) =>
        resolve(error ? { error } : { response }),
      ),
    );
  return { issueToken, close: () => client.close() };
}
