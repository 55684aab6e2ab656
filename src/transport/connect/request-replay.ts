/**
 * The wire side of retries without duplicates (AIP-155 `request_id`; src/services/idempotent-requests.ts):
 * the key is the caller (operator token, or the signed-in person's e-mail whichever session they
 * use), the full method name and the request id; the fingerprint is the SHA-256 of the request's
 * deterministic binary protobuf without `request_id` (and without unknown fields); the first
 * answer is kept as the response's binary protobuf with its secret field emptied, the secret
 * apart (encrypted). A replay decodes those bytes and puts the secret back, so it serializes
 * exactly as the first answer did, in every protocol.
 *
 * An RPC of that kind takes part with one entry in ONCE_RPCS, and a handler that calls
 * `answerOnce` with its service's create path (which takes a RecordAnswer).
 */
import { clone, create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { actorOf } from "../../domain/principal.js";
import { checkRequestId, requestFingerprint } from "../../domain/request-replay.js";
import { Violations } from "../../domain/validation.js";
import type { IdempotencyKey, IdempotentRequests, RecordAnswer } from "../../services/idempotent-requests.js";
import {
  AddAppKeyRequestSchema,
  AddAppKeyResponseSchema,
  AddAppSecretRequestSchema,
  AddAppSecretResponseSchema,
  CreateAppRequestSchema,
  CreateAppResponseSchema,
  CreateLicenseRegionRequestSchema,
  CreateLicenseRegionResponseSchema,
  RegenerateAppSecretRequestSchema,
  RegenerateAppSecretResponseSchema,
} from "../../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { CreatePlanRequestSchema, CreatePlanResponseSchema } from "../../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import {
  AddTenantMemberRequestSchema,
  AddTenantMemberResponseSchema,
  RegisterTenantRequestSchema,
  RegisterTenantResponseSchema,
} from "../../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { RotateSigningKeyRequestSchema, RotateSigningKeyResponseSchema } from "../../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { callerOf } from "./context.js";

type StringFieldOf<M> = { [K in keyof M]: K extends "$typeName" ? never : M[K] extends string ? K : never }[keyof M];

/** An RPC whose request carries `request_id` and whose first answer is given again to a retry. */
export interface OnceRpc<Req extends DescMessage, Res extends DescMessage> {
  readonly request: Req;
  readonly response: Res;
  /** The response field holding a secret shown once: kept encrypted for 10 minutes, then erased. */
  readonly secretField?: StringFieldOf<MessageShape<Res>>;
}

function onceRpc<Req extends DescMessage, Res extends DescMessage>(rpc: OnceRpc<Req, Res>): OnceRpc<Req, Res> {
  return rpc;
}

/** Every RPC that creates something or mints a secret (proto: TenantService, "Retries"). */
export const ONCE_RPCS = {
  registerTenant: onceRpc({ request: RegisterTenantRequestSchema, response: RegisterTenantResponseSchema }),
  addTenantMember: onceRpc({ request: AddTenantMemberRequestSchema, response: AddTenantMemberResponseSchema }),
  createApp: onceRpc({ request: CreateAppRequestSchema, response: CreateAppResponseSchema, secretField: "clientSecret" }),
  regenerateAppSecret: onceRpc({ request: RegenerateAppSecretRequestSchema, response: RegenerateAppSecretResponseSchema, secretField: "clientSecret" }),
  addAppSecret: onceRpc({ request: AddAppSecretRequestSchema, response: AddAppSecretResponseSchema, secretField: "clientSecret" }),
  addAppKey: onceRpc({ request: AddAppKeyRequestSchema, response: AddAppKeyResponseSchema }),
  createPlan: onceRpc({ request: CreatePlanRequestSchema, response: CreatePlanResponseSchema }),
  createLicenseRegion: onceRpc({ request: CreateLicenseRegionRequestSchema, response: CreateLicenseRegionResponseSchema }),
  rotateSigningKey: onceRpc({ request: RotateSigningKeyRequestSchema, response: RotateSigningKeyResponseSchema }),
};

/**
 * Answers `req` once: runs `run` (the service's create path, handed the RecordAnswer it must call
 * in its transaction) and maps its result with `toResponse`, or gives a retry the first answer —
 * after `stillAllowed`, when given, has checked that the caller may still see what the answer
 * names (a person removed from the tenant meanwhile gets no secret from a retry).
 */
export async function answerOnce<Req extends DescMessage, Res extends DescMessage, T>(
  requests: IdempotentRequests,
  ctx: HandlerContext,
  rpc: OnceRpc<Req, Res>,
  req: MessageShape<Req> & { requestId: string },
  toResponse: (result: T) => MessageInitShape<Res>,
  run: (record: RecordAnswer<T>) => Promise<T>,
  stillAllowed?: (firstAnswer: MessageShape<Res>) => Promise<void>,
): Promise<MessageShape<Res>> {
  const key = idempotencyKey(ctx, rpc, req);
  const outcome = await requests.once(
    key,
    (result: T) => {
      const response = create(rpc.response, toResponse(result));
      const secret = rpc.secretField ? (response[rpc.secretField] as string) : "";
      if (rpc.secretField) (response as Record<string, unknown>)[rpc.secretField as string] = "";
      return { body: toBinary(rpc.response, response), secret: secret === "" ? undefined : secret };
    },
    run,
  );
  if ("fresh" in outcome) return create(rpc.response, toResponse(outcome.fresh));
  const response = fromBinary(rpc.response, outcome.replayed.body);
  await stillAllowed?.(response);
  if (rpc.secretField && outcome.replayed.secret !== undefined) {
    (response as Record<string, unknown>)[rpc.secretField as string] = outcome.replayed.secret;
  }
  return response;
}

function idempotencyKey<Req extends DescMessage>(
  ctx: HandlerContext,
  rpc: OnceRpc<Req, DescMessage>,
  req: MessageShape<Req> & { requestId: string },
): IdempotencyKey | undefined {
  const v = new Violations();
  const requestId = checkRequestId(v, req.requestId);
  v.throwIfAny();
  if (requestId === undefined) return undefined;
  const caller = callerOf(ctx);
  const canonical = clone(rpc.request, req) as MessageShape<Req> & { requestId: string };
  canonical.requestId = "";
  return {
    caller: actorOf(caller.principal),
    method: caller.method,
    requestId,
    fingerprint: requestFingerprint(toBinary(rpc.request, canonical, { writeUnknownFields: false })),
  };
}
