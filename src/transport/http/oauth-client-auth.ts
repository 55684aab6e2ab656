/**
 * Reads a token or introspection request: form parameters (each at most once, RFC 6749 §3.2)
 * and the client's credentials by client_secret_basic, client_secret_post or private_key_jwt
 * (RFC 7523 §2.2: `client_assertion_type` + `client_assertion`, `client_id` optional) — never
 * two at once.
 */
import { JWT_BEARER_ASSERTION_TYPE } from "../../domain/client-assertion.js";
import { invalidClient, invalidRequest } from "./oauth-errors.js";

export type ClientCredentials =
  | { readonly method: "client_secret_basic" | "client_secret_post"; readonly clientId: string; readonly clientSecret: string }
  | { readonly method: "private_key_jwt"; readonly clientId: string | undefined; readonly clientAssertion: string };

/** Parses an application/x-www-form-urlencoded body, refusing repeated parameters. */
export function parseForm(body: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (params.has(name)) throw invalidRequest(`parameter ${name} is repeated; send each parameter once`);
    params.set(name, value);
  }
  return params;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function decodeBasic(header: string): { clientId: string; clientSecret: string } {
  const encoded = header.slice("basic ".length).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw invalidRequest("the Authorization header's Basic credentials are not valid base64");
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw invalidRequest("the Authorization header's Basic credentials must be client_id:client_secret");
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
    };
  } catch {
    throw invalidRequest("the Authorization header's Basic credentials are not form-urlencoded (RFC 6749 §2.3.1)");
  }
}

/**
 * The client's credentials from the Authorization header or the body. No credentials at all is
 * invalid_client (401); two methods at once, or a client_id that contradicts the header, is
 * invalid_request.
 */
export function clientCredentials(authorization: string | undefined, params: Map<string, string>): ClientCredentials {
  const bodyId = params.get("client_id");
  const bodySecret = params.get("client_secret");
  const assertion = params.get("client_assertion");
  const assertionType = params.get("client_assertion_type");
  if (assertion !== undefined || assertionType !== undefined) {
    if ((authorization !== undefined && authorization.trim() !== "") || bodySecret !== undefined) {
      throw invalidRequest("use one client authentication method: a client assertion, HTTP Basic or client_secret, not several");
    }
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
      throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE} (private_key_jwt, RFC 7523)`);
    }
    if (assertion === undefined || assertion === "") throw invalidRequest("client_assertion is required with client_assertion_type");
    return { method: "private_key_jwt", clientId: bodyId, clientAssertion: assertion };
  }
  if (authorization !== undefined && authorization.trim() !== "") {
    if (!/^basic /i.test(authorization)) {
      throw invalidClient("use HTTP Basic (client_secret_basic), client_id and client_secret in the body (client_secret_post), or a client assertion (private_key_jwt)");
    }
    if (bodySecret !== undefined) {
      throw invalidRequest("use one client authentication method: either HTTP Basic or client_secret in the body, not both");
    }
    const basic = decodeBasic(authorization);
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw invalidRequest("client_id in the body differs from the one in the Authorization header");
    }
    return { ...basic, method: "client_secret_basic" };
  }
  if (bodyId !== undefined && bodySecret !== undefined) {
    return { clientId: bodyId, clientSecret: bodySecret, method: "client_secret_post" };
  }
  throw invalidClient("client authentication is required: HTTP Basic, client_id and client_secret in the body, or a client assertion (private_key_jwt)");
}
