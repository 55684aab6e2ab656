/** TokenService over Connect/gRPC/gRPC-Web: issuance and introspection (shared with the OAuth shim) and signing keys. */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { SigningKeyState as DomainKeyState } from "../../domain/signing-keys.js";
import { JWT_BEARER_ASSERTION_TYPE } from "../../domain/client-assertion.js";
import { invalidFields } from "../../domain/errors.js";
import { checkPageSize, Violations } from "../../domain/validation.js";
import { decodePageToken, encodePageToken } from "../../lib/page-token.js";
import { SIGNING_ALGS } from "../../domain/signing-keys.js";
import type { IdempotentRequests } from "../../services/idempotent-requests.js";
import type { RotatedKey, SigningKey, SigningKeys } from "../../services/signing-keys.js";
import { SigningKeySchema, SigningKeyState, type SigningKey as PbSigningKey } from "../../../gen/ts/trueparser/controlplane/v1/token_pb.js";
import type { TokenService as TokenServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Credentials, TokenIssuer } from "../../services/token-issuer.js";
import { principalKey, sourceAddressKey } from "./context.js";
import { answerOnce, ONCE_RPCS } from "./request-replay.js";
import { ts } from "./tenant-mapper.js";

const STATE: Record<DomainKeyState, SigningKeyState> = {
  PENDING: SigningKeyState.PENDING,
  ACTIVE: SigningKeyState.ACTIVE,
  RETIRED: SigningKeyState.RETIRED,
  // Expired keys are shown to operators as retired with an expire_time in the past.
  EXPIRED: SigningKeyState.RETIRED,
};

function toSigningKeyProto(k: SigningKey & { state: DomainKeyState }): PbSigningKey {
  return create(SigningKeySchema, {
    keyId: k.keyId,
    algorithm: k.algorithm,
    state: STATE[k.state],
    publicJwkJson: JSON.stringify(k.publicJwk),
    createTime: ts(k.createTime),
    activateTime: ts(k.activateTime),
    retireTime: ts(k.retireTime),
    expireTime: ts(k.expireTime),
  });
}

/**
 * The client's credentials in an IssueToken or IntrospectToken request: a secret, or a
 * private_key_jwt assertion (RFC 7523), never both; a malformed pair is INVALID_FIELD, as the
 * OAuth endpoint's invalid_request.
 */
function requestCredentials(req: {
  clientId: string;
  clientSecret: string;
  clientAssertionType: string;
  clientAssertion: string;
}): Credentials {
  if (req.clientAssertion === "" && req.clientAssertionType === "") return { clientId: req.clientId, clientSecret: req.clientSecret };
  const bad = (field: string, reason: string, description: string) => invalidFields([{ field, reason, description }]);
  if (req.clientSecret !== "") throw bad("client_secret", "CONFLICT", "send either client_secret or a client assertion, not both");
  if (req.clientAssertionType !== JWT_BEARER_ASSERTION_TYPE) {
    throw bad("client_assertion_type", req.clientAssertionType === "" ? "REQUIRED" : "UNSUPPORTED", `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
  }
  if (req.clientAssertion === "") throw bad("client_assertion", "REQUIRED", "client_assertion is required with client_assertion_type");
  return { clientId: req.clientId === "" ? undefined : req.clientId, clientAssertion: req.clientAssertion };
}

export function tokenHandlers(keys: SigningKeys, issuer: TokenIssuer, requests: IdempotentRequests): ServiceImpl<typeof TokenServiceDesc> {
  return {
    async issueToken(req, ctx) {
      const issued = await issuer.issue({
        credentials: requestCredentials(req),
        scope: req.scope,
        origin: undefined,
        sourceAddress: ctx.values.get(sourceAddressKey),
      });
      return { accessToken: issued.accessToken, tokenType: "Bearer", expiresIn: BigInt(issued.expiresIn) };
    },
    async introspectToken(req, ctx) {
      // Operators (already authenticated by the interceptor) or an app with its credentials.
      if (ctx.values.get(principalKey)?.kind !== "operator") {
        await issuer.authenticateIntrospectionClient(requestCredentials(req), ctx.values.get(sourceAddressKey));
      }
      // Required (the proto's field_behavior), as RFC 7662 §2.1 and POST /oauth/introspect have it.
      if (req.token === "") {
        throw invalidFields([{ field: "token", reason: "REQUIRED", description: "token is required: send the access token to inspect" }]);
      }
      const r = await issuer.introspect(req.token);
      if (!r.active) return { active: false };
      const str = (v: unknown) => (typeof v === "string" ? v : "");
      const num = (v: unknown) => (typeof v === "number" ? v : 0);
      const limits = (r.limits ?? {}) as { plan_id?: unknown; monthly_document_units?: unknown };
      return {
        active: true,
        clientId: str(r.client_id),
        subject: str(r.sub),
        audience: Array.isArray(r.aud) ? r.aud.map(String) : r.aud === undefined ? [] : [String(r.aud)],
        issuer: str(r.iss),
        tokenId: str(r.jti),
        tokenType: "Bearer",
        issueTime: timestampFromMs(num(r.iat) * 1000),
        expireTime: timestampFromMs(num(r.exp) * 1000),
        tenantId: str(r.tenant_id),
        appId: str(r.app_id),
        licenseRegion: str(r.region),
        databaseCode: str(r.database_code),
        allowedDomains: Array.isArray(r.allowed_domains) ? r.allowed_domains.map(String) : [],
        planId: str(limits.plan_id),
        monthlyDocumentUnits: BigInt(num(limits.monthly_document_units)),
      };
    },
    async listSigningKeys(req, ctx) {
      const v = new Violations();
      const limit = checkPageSize(v, req.pageSize);
      v.throwIfAny();
      const isOperator = ctx.values.get(principalKey)?.kind === "operator";
      const filters = { operator: isOperator };
      // Keys are few (one per rotation) and held in memory, newest first: page by position.
      const start = Number(decodePageToken("signing_keys", filters, req.pageToken, /^\d{1,6}$/) ?? "0");
      const all = await keys.list();
      const visible = isOperator ? all : all.filter((k) => k.state !== "EXPIRED");
      const page = visible.slice(start, start + limit);
      const end = start + page.length;
      return {
        signingKeys: page.map(toSigningKeyProto),
        nextPageToken: end < visible.length ? encodePageToken("signing_keys", filters, String(end)) : "",
      };
    },
    rotateSigningKey(req, ctx) {
      // Operators only, who see every key: a retry's first answer needs no further check.
      return answerOnce(requests, ctx, ONCE_RPCS.rotateSigningKey, req, (key: RotatedKey) => ({ signingKey: toSigningKeyProto(key) }), async (record) => {
        const alg = req.algorithm === "" ? undefined : SIGNING_ALGS.find((a) => a === req.algorithm);
        if (req.algorithm !== "" && !alg) {
          throw invalidFields([
            { field: "algorithm", reason: "UNSUPPORTED", description: `algorithm must be one of ${SIGNING_ALGS.join(", ")} (or empty for the configured default)` },
          ]);
        }
        return keys.rotate(alg, record);
      });
    },
  };
}
