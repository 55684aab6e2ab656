/**
 * The standards-exact OAuth 2.0 shim:
 *   POST /oauth/token                           client_credentials (RFC 6749 §4.4, §5.1, §5.2);
 *                                               client secrets or private_key_jwt (RFC 7523 §2.2)
 *   POST /oauth/introspect                      RFC 7662, caller authenticated
 *   GET  /.well-known/oauth-authorization-server RFC 8414
 *   GET  /.well-known/jwks.json                 RFC 7517, public keys only
 * Browser callers of the token endpoint: any origin may preflight (it carries no credentials);
 * the POST itself gets CORS headers only when its origin is one of the app's allowed domains.
 */
import type http from "node:http";
import type { JWK } from "jose";
import { ASSERTION_SIGNING_ALGS } from "../../domain/client-assertion.js";
import { echoInput } from "../../domain/quote-input.js";
import { clientCredentials, parseForm, type ClientCredentials } from "./oauth-client-auth.js";
import { invalidRequest, OAuthError, toOAuthError } from "./oauth-errors.js";
import type { SourceAddressOf } from "./request-source.js";
import { ClientWentAway, header, sendJson, type Req, type Res } from "./respond.js";
import type { Route } from "./routing-table.js";

export const MAX_FORM_BYTES = 16 * 1024;

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  /** The request's Origin, when the app allows it: echoed in Access-Control-Allow-Origin. */
  readonly corsOrigin: string | undefined;
}

/** What the shim needs from the services; TokenService over RPC uses the same implementation. */
export interface OAuthEndpoints {
  issueToken(input: { credentials: ClientCredentials; scope: string; origin: string | undefined; sourceAddress: string }): Promise<IssuedToken>;
  introspect(input: {
    caller: { credentials: ClientCredentials } | { bearer: string };
    token: string;
    sourceAddress: string;
  }): Promise<Record<string, unknown>>;
  jwks(): Promise<{ keys: JWK[] }>;
}

export interface OAuthRouteDeps {
  /** The public base URL (known only once the server listens when PORT=0). */
  readonly issuer: string;
  readonly jwksMaxAgeSeconds: number;
  readonly endpoints: OAuthEndpoints;
  /** The request's source address for throttling (request-source.ts). */
  readonly sourceAddressOf: SourceAddressOf;
}

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

/** Reads the body, refusing more than `limit` bytes with 413 before buffering it all. */
async function readBody(req: Req, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (err) {
    // The stream fails only when the client goes away mid-body (socket closed, stream reset).
    throw err instanceof OAuthError ? err : new ClientWentAway(err);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function tooLarge(limit: number): OAuthError {
  return new OAuthError(413, "invalid_request", `the request body exceeds ${limit / 1024} KiB`);
}

async function readForm(req: Req): Promise<Map<string, string>> {
  const type = (header(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    // Drain what the client sent (bounded) so the connection stays usable.
    await readBody(req, MAX_FORM_BYTES).catch(() => undefined);
    throw invalidRequest("the body must be application/x-www-form-urlencoded");
  }
  return parseForm(await readBody(req, MAX_FORM_BYTES));
}

export function oauthRoutes(deps: OAuthRouteDeps): Route[] {
  const { endpoints } = deps;
  const metadata = (issuer: string) => ({
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    grant_types_supported: ["client_credentials"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "bearer"],
    introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    response_types_supported: [],
    scopes_supported: [],
  });

  /** A browser's preflight carries no credentials: answer it for any origin; the POST is checked. */
  const preflight = (req: Req, res: Res) => {
    const origin = header(req, "origin");
    (res as http.ServerResponse).writeHead(204, {
      ...(origin && { "access-control-allow-origin": origin }),
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-max-age": "600",
      vary: "Origin",
    });
    res.end();
  };

  const token = async (req: Req, res: Res) => {
    const origin = header(req, "origin");
    const params = await readForm(req);
    const grantType = params.get("grant_type");
    if (grantType === undefined || grantType === "") throw invalidRequest("grant_type is required (client_credentials)");
    if (grantType !== "client_credentials") {
      throw new OAuthError(400, "unsupported_grant_type", `grant_type '${echoInput(grantType)}' is not supported; use client_credentials`);
    }
    const credentials = clientCredentials(header(req, "authorization"), params);
    const issued = await endpoints.issueToken({
      credentials,
      scope: params.get("scope") ?? "",
      origin,
      sourceAddress: deps.sourceAddressOf(req),
    });
    sendJson(
      res,
      200,
      { access_token: issued.accessToken, token_type: "Bearer", expires_in: issued.expiresIn },
      { ...NO_STORE, ...(issued.corsOrigin && { "access-control-allow-origin": issued.corsOrigin, vary: "Origin" }) },
    );
  };

  const introspect = async (req: Req, res: Res) => {
    const params = await readForm(req);
    const tokenValue = params.get("token");
    const authorization = header(req, "authorization");
    const bearer = authorization && /^bearer +(\S+)\s*$/i.exec(authorization)?.[1];
    const caller = bearer ? { bearer } : { credentials: clientCredentials(authorization, params) };
    if (tokenValue === undefined || tokenValue === "") throw invalidRequest("token is required");
    sendJson(res, 200, await endpoints.introspect({ caller, token: tokenValue, sourceAddress: deps.sourceAddressOf(req) }), NO_STORE);
  };

  // Errors get RFC 6749 §5.2 bodies, never cached (§5.1 asks it of every token response).
  const answerError = (err: unknown) => {
    const { error, internal } = toOAuthError(err);
    return { error: new OAuthError(error.status, error.error, error.description, { ...NO_STORE, ...error.headers }), internal };
  };
  return [
    { methods: ["POST"], path: "/oauth/token", handle: token, answerError },
    { methods: ["OPTIONS"], path: "/oauth/token", handle: preflight },
    { methods: ["POST"], path: "/oauth/introspect", handle: introspect, answerError },
    {
      methods: ["GET"],
      path: "/.well-known/oauth-authorization-server",
      handle: (_req, res) => sendJson(res, 200, metadata(deps.issuer), { "cache-control": "public, max-age=3600" }),
    },
    {
      methods: ["GET"],
      path: "/.well-known/jwks.json",
      answerError,
      async handle(_req, res) {
        sendJson(res, 200, await endpoints.jwks(), {
          "cache-control": `public, max-age=${deps.jwksMaxAgeSeconds}`,
          "access-control-allow-origin": "*",
        });
      },
    },
  ];
}
