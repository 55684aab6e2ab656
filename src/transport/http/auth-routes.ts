/**
 * Dashboard sign-in over plain HTTP (DESIGN §3: anonymous routes of the same server):
 *
 *   GET    /auth/login[?return_to=/path]  redirect to the identity provider (PKCE, state, nonce)
 *   GET    /auth/callback                 verify, open a session, set the session cookie, redirect
 *   POST   /auth/logout                   revoke the calling session, clear the cookie
 *   GET    /auth/session                  who the calling session belongs to
 *   GET    /auth/sessions                 the caller's live sessions
 *   DELETE /auth/sessions/{session_id}    revoke one of them (e.g. a lost laptop)
 *
 * The session routes take the session as a bearer token (tooling) or the cookie (dashboard).
 * A cookie on POST/DELETE is accepted only with no `Origin` or our own one (CSRF), on top of
 * SameSite=Lax, which already keeps it off cross-site POSTs.
 */
import type http from "node:http";
import type http2 from "node:http2";
import { timingSafeEqual } from "node:crypto";
import { DomainError } from "../../domain/errors.js";
import type { Logger } from "../../observability/logger.js";
import { SignInError, type OidcSignIn } from "../../oidc/oidc-sign-in.js";
import { isSessionToken, type Session, type SessionService, type UserPrincipal } from "../../services/session-service.js";
import type { SourceAddressOf } from "./request-source.js";
import { clearCookie, credentialOf, readCookie, setCookie, SESSION_COOKIE, SIGN_IN_COOKIE } from "./cookies.js";

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

export interface AuthRouteDeps {
  readonly signIn: OidcSignIn;
  readonly sessions: SessionService;
  /** ISSUER: the public origin of this server (base of /auth/callback). */
  readonly publicUrl: () => string;
  /** Cookies get `Secure` when the server is reached over TLS. */
  readonly secureCookies: boolean;
  readonly logger: Logger;
  /** The request's source address (request-source.ts): sign-ins are throttled per source. */
  readonly sourceAddressOf: SourceAddressOf;
}

/** Answers the request and returns true if it is one of the /auth routes; false otherwise. */
export type AuthRoutes = (req: Req, res: Res) => boolean;

const SESSION_PATH = /^\/auth\/sessions\/([^/]+)$/;

export function authRoutes(deps: AuthRouteDeps): AuthRoutes {
  const originOf = () => new URL(deps.publicUrl()).origin;
  const cookie = { path: "/", secure: deps.secureCookies };
  const signInCookie = { path: "/auth/callback", secure: deps.secureCookies };

  const routes: Record<string, Partial<Record<string, (req: Req, res: Res) => Promise<void>>>> = {
    "/auth/login": {
      GET: async (req, res) => {
        const returnTo = safeReturnTo(new URL(req.url ?? "/", originOf()).searchParams.get("return_to"));
        const { authorizationUrl, handle } = await deps.signIn.start(returnTo, deps.sourceAddressOf(req));
        redirect(res, 302, authorizationUrl.href, [setCookie(SIGN_IN_COOKIE, handle, { ...signInCookie, maxAgeSeconds: 600 })]);
      },
    },
    "/auth/callback": {
      GET: async (req, res) => {
        // Built from ISSUER, not from the Host header, so the redirect_uri always matches.
        const query = new URL(req.url ?? "/", "http://x").search;
        const callbackUrl = new URL(`${deps.publicUrl()}/auth/callback${query}`);
        const handle = readCookie(req.headers.cookie, SIGN_IN_COOKIE);
        const clearAttempt = clearCookie(SIGN_IN_COOKIE, signInCookie);
        try {
          const done = await deps.signIn.finish(callbackUrl, handle, String(req.headers["user-agent"] ?? ""), deps.sourceAddressOf(req));
          deps.logger.info({ sessionId: done.session.sessionId, email: done.session.email }, "signed in");
          redirect(res, 303, done.returnTo, [
            clearAttempt,
            setCookie(SESSION_COOKIE, done.token, { ...cookie, maxAgeSeconds: deps.sessions.ttlSeconds }),
          ]);
        } catch (err) {
          if (!(err instanceof SignInError)) throw err;
          // Throttled before the attempt was looked at: it (and its cookie) remain for a retry.
          if (err.reason === "TOO_MANY_SIGN_IN_ATTEMPTS") throw err;
          // The attempt is used up whatever went wrong, so its cookie goes too.
          deps.logger.info({ reason: err.reason }, "sign-in refused");
          sendSignInError(res, err, [clearAttempt]);
        }
      },
    },
    "/auth/logout": {
      POST: async (req, res) => {
        const { person } = await caller(req, { mutating: true });
        await deps.sessions.revoke(person, person.sessionId).catch(ignoreNotFound);
        send(res, 204, undefined, [clearCookie(SESSION_COOKIE, cookie)]);
      },
    },
    "/auth/session": {
      GET: async (req, res) => {
        const { person } = await caller(req, { mutating: false });
        send(res, 200, { email: person.email, session_id: person.sessionId });
      },
    },
    "/auth/sessions": {
      GET: async (req, res) => {
        const { person } = await caller(req, { mutating: false });
        const sessions = await deps.sessions.list(person);
        send(res, 200, { sessions: sessions.map((s) => toJson(s, person)) });
      },
    },
  };

  /** The person behind the request's session, or an HttpError. */
  async function caller(req: Req, o: { mutating: boolean }): Promise<{ person: UserPrincipal }> {
    const credential = credentialOf(req.headers.authorization, req.headers.cookie);
    if (credential === undefined || "malformed" in credential) {
      throw new HttpError(401, "unauthenticated", 'send the session as "Authorization: Bearer <session token>" or the tp_session cookie');
    }
    if (credential.via === "cookie" && o.mutating) {
      const from = req.headers.origin;
      if (from !== undefined && !sameText(String(from), originOf())) {
        throw new HttpError(403, "cross_origin", `a cookie session may only be used from ${originOf()}`);
      }
    }
    if (!isSessionToken(credential.token)) {
      throw new HttpError(403, "not_a_session", "these routes are for sessions opened by signing in (operator tokens have none)");
    }
    const person = await deps.sessions.authenticate(credential.token);
    if (!person) throw new HttpError(401, "invalid_session", "the session is unknown, revoked or expired; sign in again at /auth/login");
    return { person };
  }

  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== "/auth" && !path.startsWith("/auth/")) return false;
    const session = SESSION_PATH.exec(path);
    const methods = session
      ? {
          DELETE: async (r: Req, s: Res) => {
            const { person } = await caller(r, { mutating: true });
            await deps.sessions.revoke(person, decodeURIComponent(session[1]!));
            send(s, 204, undefined);
          },
        }
      : routes[path];
    if (!methods) {
      send(res, 404, { error: "not_found", error_description: `no route ${path}` });
      return true;
    }
    const handler = methods[req.method ?? "GET"];
    if (!handler) {
      (res as http.ServerResponse).setHeader("allow", Object.keys(methods).join(", "));
      send(res, 405, { error: "method_not_allowed", error_description: `${path} answers ${Object.keys(methods).join(", ")}` });
      return true;
    }
    handler(req, res).catch((err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof SignInError) {
        sendSignInError(res, err, []);
      } else if (err instanceof HttpError) {
        send(res, err.status, { error: err.error, error_description: err.message });
      } else if (err instanceof DomainError) {
        const status = err.kind === "not_found" ? 404 : err.kind === "invalid_argument" ? 400 : 409;
        send(res, status, { error: err.kind, reason: err.reason, error_description: err.message });
      } else {
        deps.logger.error({ err, route: path }, "auth route failed");
        send(res, 500, { error: "server_error", error_description: "internal error; it has been logged" });
      }
    });
    return true;
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/** Only a path on this server (never `//host` or a full URL): no open redirect. */
function safeReturnTo(value: string | null): string {
  if (value === null || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  return value;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof DomainError && err.kind === "not_found")) throw err;
}

function toJson(s: Session, person: UserPrincipal) {
  return {
    session_id: s.sessionId,
    create_time: s.createTime.toISOString(),
    expire_time: s.expireTime.toISOString(),
    user_agent: s.userAgent,
    current: s.sessionId === person.sessionId,
  };
}

function sendSignInError(res: Res, err: SignInError, cookies: string[]): void {
  const headers: Record<string, string> = err.retryAfterSeconds === undefined ? {} : { "retry-after": String(err.retryAfterSeconds) };
  send(res, err.status, { error: "sign_in_failed", reason: err.reason, error_description: err.message }, cookies, headers);
}

function redirect(res: Res, status: number, location: string, cookies: string[]): void {
  (res as http.ServerResponse).writeHead(status, {
    location,
    "set-cookie": cookies,
    "cache-control": "no-store",
    "content-length": 0,
  });
  res.end();
}

function send(res: Res, status: number, body: unknown, cookies: string[] = [], extra: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  const headers: Record<string, string | string[] | number> = { ...extra, "cache-control": "no-store", "content-length": Buffer.byteLength(text) };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  (res as http.ServerResponse).writeHead(status, headers);
  res.end(text);
}
