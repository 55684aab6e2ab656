/**
 * The interceptor onion every RPC passes through, outermost first:
 *   observe   — metrics, one log line per failed call, and error mapping (error-mapping.ts)
 *   authorize — resolves the bearer token (or the dashboard's session cookie) to a principal and
 *               applies the access policy
 *
 * CSRF: a session cookie is honoured only on requests that carry `Connect-Protocol-Version`
 * (Connect) or `X-Grpc-Web` (gRPC-Web). A cross-site page cannot add such a header without a
 * CORS preflight, and this server grants none, so a forged cross-site request arrives without
 * the header and is treated as carrying no credentials.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Principal } from "../../domain/principal.js";
import type { Metrics } from "../../observability/metrics.js";
import { credentialOf } from "../http/cookies.js";
import { ACCESS_POLICY, methodKey } from "./access-policy.js";
import { principalKey, sourceAddressKey } from "./context.js";
import { errorInfo, errorReason, toConnectError } from "./error-mapping.js";

export interface Authenticator {
  /** The principal a bearer token stands for, or undefined when it is not valid. */
  authenticate(bearerToken: string, sourceAddress: string): Promise<Principal | undefined>;
}

/**
 * Records each call: the duration histogram, the request counter labelled with the final code,
 * one log line per failure, and the error mapping (error-mapping.ts) — what the caller is sent.
 */
export function observeInterceptor(logger: Logger, metrics: Metrics): Interceptor {
  return (next) => async (req) => {
    const service = req.service.typeName;
    const method = req.method.name;
    const labels = { service, method };
    const stop = metrics.rpcDuration.startTimer(labels);
    let res;
    try {
      res = await next(req);
    } catch (err) {
      const mapped = toConnectError(err, logger, `${service}/${method}`);
      metrics.rpcRequests.inc({ ...labels, code: Code[mapped.code] ?? String(mapped.code) });
      const reason = errorReason(mapped);
      // An outage is logged once (DatabaseAvailability), not once per call it fails.
      const level = reason === "DATABASE_UNAVAILABLE" ? "debug" : "info";
      logger[level]({ rpc: `${service}/${method}`, code: Code[mapped.code], reason }, "rpc failed");
      stop();
      throw mapped;
    }
    metrics.rpcRequests.inc({ ...labels, code: "ok" });
    stop();
    return res;
  };
}

export function authorizeInterceptor(authenticator: Authenticator): Interceptor {
  return (next) => async (req) => {
    const key = methodKey(req.service, req.method.name);
    const access = ACCESS_POLICY[key];
    if (!access) throw new ConnectError(`no access rule for ${key}`, Code.Internal);
    const principal = await resolvePrincipal(authenticator, req.header, req.contextValues.get(sourceAddressKey));
    if (!principal) {
      if (!access.anonymous) {
        throw new ConnectError(
          `${req.method.name} needs credentials: send "Authorization: Bearer <operator token or session token>"` +
            " (a session cookie counts only with the Connect-Protocol-Version or X-Grpc-Web header)",
          Code.Unauthenticated,
          undefined,
          [errorInfo("UNAUTHENTICATED")],
        );
      }
    } else if (principal.kind === "user" && access.person === "none") {
      throw new ConnectError(
        `${req.method.name} is for operators only`,
        Code.PermissionDenied,
        undefined,
        [errorInfo("PERMISSION_DENIED", { method: req.method.name })],
      );
    }
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}

async function resolvePrincipal(authenticator: Authenticator, headers: Headers, sourceAddress: string): Promise<Principal | undefined> {
  const credential = credentialOf(headers.get("authorization"), headers.get("cookie"));
  if (credential === undefined) return undefined;
  if ("malformed" in credential) {
    throw new ConnectError(
      'the Authorization header must be "Bearer <token>"',
      Code.Unauthenticated,
      undefined,
      [errorInfo("INVALID_CREDENTIALS")],
    );
  }
  if (credential.via === "cookie" && !headers.has("connect-protocol-version") && !headers.has("x-grpc-web")) {
    return undefined; // see CSRF above
  }
  const principal = await authenticator.authenticate(credential.token, sourceAddress);
  if (!principal) {
    throw new ConnectError(
      "the bearer token is not valid (unknown, revoked or expired)",
      Code.Unauthenticated,
      undefined,
      [errorInfo("INVALID_CREDENTIALS")],
    );
  }
  return principal;
}
