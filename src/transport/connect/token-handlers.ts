/** TokenService over Connect/gRPC/gRPC-Web: signing keys (issuance joins when apps land). */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { SigningKeyState as DomainKeyState } from "../../domain/signing-keys.js";
import { invalidFields } from "../../domain/errors.js";
import { checkPageSize, Violations } from "../../domain/validation.js";
import { decodePageToken, encodePageToken } from "../../services/page-token.js";
import { SIGNING_ALGS, type SigningKey, type SigningKeys } from "../../services/signing-keys.js";
import { SigningKeySchema, SigningKeyState, type SigningKey as PbSigningKey } from "../../../gen/ts/trueparser/controlplane/v1/token_pb.js";
import type { TokenService as TokenServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { principalKey } from "./context.js";
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

export function signingKeyHandlers(keys: SigningKeys): Partial<ServiceImpl<typeof TokenServiceDesc>> {
  return {
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
    async rotateSigningKey(req) {
      const alg = req.algorithm === "" ? undefined : SIGNING_ALGS.find((a) => a === req.algorithm);
      if (req.algorithm !== "" && !alg) {
        throw invalidFields([
          { field: "algorithm", reason: "UNSUPPORTED", description: `algorithm must be one of ${SIGNING_ALGS.join(", ")} (or empty for the configured default)` },
        ]);
      }
      return { signingKey: toSigningKeyProto(await keys.rotate(alg)) };
    },
  };
}
