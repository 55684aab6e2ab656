/**
 * The two cookies of dashboard sign-in, and reading credentials from a request.
 *
 * Both are HttpOnly (no script can read them), `SameSite=Lax` and `Secure` when the server is
 * reached over TLS. Lax rather than Strict because the provider sends the browser back to
 * /auth/callback by a cross-site navigation, which Strict cookies would not accompany; Lax still
 * keeps them off cross-site POSTs, and every state-changing use of a cookie also requires a
 * header no cross-site page can send without a CORS preflight that we never grant (see
 * interceptors.ts) or a same-origin `Origin` (see auth-routes.ts).
 */
import { parseCookie, stringifySetCookie } from "cookie";

export const SESSION_COOKIE = "tp_session";
export const SIGN_IN_COOKIE = "tp_sign_in";

export interface CookieOptions {
  readonly path: string;
  readonly maxAgeSeconds: number;
  readonly secure: boolean;
}

export function setCookie(name: string, value: string, o: CookieOptions): string {
  return stringifySetCookie({ name, value, path: o.path, maxAge: o.maxAgeSeconds, httpOnly: true, sameSite: "lax", secure: o.secure });
}

export function clearCookie(name: string, o: Omit<CookieOptions, "maxAgeSeconds">): string {
  return setCookie(name, "", { ...o, maxAgeSeconds: 0 });
}

/** The value of one cookie from a `Cookie` header, or undefined. */
export function readCookie(header: string | string[] | null | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join("; ") : header;
  if (!text) return undefined;
  return parseCookie(text)[name] || undefined;
}

export type Credential = { readonly token: string; readonly via: "bearer" | "cookie" } | { readonly malformed: true };

/** The bearer token of an `Authorization` header, else the session cookie; undefined if neither. */
export function credentialOf(authorization: string | null | undefined, cookie: string | string[] | null | undefined): Credential | undefined {
  if (authorization !== null && authorization !== undefined && authorization.trim() !== "") {
    const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
    return match ? { token: match[1]!, via: "bearer" } : { malformed: true };
  }
  const token = readCookie(cookie, SESSION_COOKIE);
  return token === undefined ? undefined : { token, via: "cookie" };
}
