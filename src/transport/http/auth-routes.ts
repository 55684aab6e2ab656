/**
 * Dashboard sign-in over plain HTTP (anonymous routes of the same server; docs/architecture.md, "Sign-in and sessions"):
 *
 *   GET    /auth/login[?return_to=/path]  redirect to the identity provider (PKCE, state, nonce)
 *   GET    /auth/callback                 verify, open a session, set the session cookie, redirect
 *   POST   /auth/logout                   revoke the calling session, clear the cookie
 *   GET    /auth/session                  who the calling session belongs to, and whether they are an operator
 *   GET    /auth/sessions                 the caller's live sessions
 *   DELETE /auth/sessions/{session_id}    revoke one of them (e.g. a lost laptop)
 *
 * The session routes take the session as a bearer token (tooling) or the cookie (dashboard).
 * A cookie on POST/DELETE is accepted only with no `Origin` or our own one (CSRF), on top of
 * SameSite=Lax, which already keeps it off cross-site POSTs.
 */
import { timingSafeEqual } from "node:crypto";
import { DomainError } from "../../domain/errors.js";
import type { SessionPrincipal } from "../../domain/principal.js";
import type { Logger } from "../../observability/logger.js";
import { SignInError, type OidcSignIn } from "../../oidc/oidc-sign-in.js";
import { isSessionToken, type Session, type SessionService } from "../../services/session-service.js";
import type { SourceAddressOf } from "./request-source.js";
import { clearCookie, credentialOf, readCookie, setCookie, SESSION_COOKIE, SIGN_IN_COOKIE } from "./cookies.js";
import { HttpError, redirect, send, sendJson, type Headers, type Req } from "./respond.js";
import type { Route } from "./routing-table.js";

export interface AuthRouteDeps {
  readonly signIn: OidcSignIn;
  readonly sessions: SessionService;
  /** ISSUER: the public origin of this server (base of /auth/callback). */
  readonly publicUrl: string;
  /** Cookies get `Secure` when the server is reached over TLS. */
  readonly secureCookies: boolean;
  readonly logger: Logger;
  /** The request's source address (request-source.ts): sign-ins are throttled per source. */
  readonly sourceAddressOf: SourceAddressOf;
  /**
   * How people sign in here, for the dashboard's sign-in page: "provider" (the configured OIDC
   * provider), "development" (development sign-in: any e-mail) or "unavailable" (not configured).
   */
  readonly signInMode: "provider" | "development" | "unavailable";
}

export function authRoutes(deps: AuthRouteDeps): Route[] {
  const origin = new URL(deps.publicUrl).origin;
  const cookie = { path: "/", secure: deps.secureCookies };
  const signInCookie = { path: "/auth/callback", secure: deps.secureCookies };

  const routes: Route[] = [
    {
      methods: ["GET"],
      path: "/auth/login",
      async handle(req, res) {
        const returnTo = safeReturnTo(new URL(req.url ?? "/", origin).searchParams.get("return_to"), origin);
        const { authorizationUrl, handle } = await deps.signIn.start(returnTo, deps.sourceAddressOf(req));
        redirect(res, 302, authorizationUrl.href, { "set-cookie": [setCookie(SIGN_IN_COOKIE, handle, { ...signInCookie, maxAgeSeconds: 600 })] });
      },
    },
    {
      methods: ["GET"],
      path: "/auth/callback",
      async handle(req, res) {
        // Built from ISSUER, not from the Host header, so the redirect_uri always matches.
        const query = new URL(req.url ?? "/", "http://x").search;
        const callbackUrl = new URL(`${deps.publicUrl}/auth/callback${query}`);
        const handle = readCookie(req.headers.cookie, SIGN_IN_COOKIE);
        const clearAttempt = clearCookie(SIGN_IN_COOKIE, signInCookie);
        try {
          const done = await deps.signIn.finish(callbackUrl, handle, String(req.headers["user-agent"] ?? ""), deps.sourceAddressOf(req));
          deps.logger.info({ sessionId: done.session.sessionId, email: done.session.email }, "signed in");
          redirect(res, 303, done.returnTo, {
            "set-cookie": [clearAttempt, setCookie(SESSION_COOKIE, done.token, { ...cookie, maxAgeSeconds: deps.sessions.ttlSeconds })],
          });
        } catch (err) {
          // Throttled before the attempt was looked at: it (and its cookie) remain for a retry.
          if (!(err instanceof SignInError) || err.reason === "TOO_MANY_SIGN_IN_ATTEMPTS") throw err;
          // The attempt is used up whatever went wrong, so its cookie goes too.
          deps.logger.info({ reason: err.reason }, "sign-in refused");
          throw signInFailure(err, { "set-cookie": [clearAttempt] });
        }
      },
    },
    {
      methods: ["POST"],
      path: "/auth/logout",
      async handle(req, res) {
        const person = await caller(req, { mutating: true });
        await deps.sessions.revoke(person, person.sessionId).catch(ignoreNotFound);
        send(res, 204, "", { "set-cookie": [clearCookie(SESSION_COOKIE, cookie)] });
      },
    },
    {
      methods: ["GET"],
      path: "/auth/session",
      /**
       * Who this browser is signed in as, and how signing in works here. A browser with no
       * session (no cookie, or one that expired or was revoked) is answered 200 `signed_in: false`
       * — "nobody" is an answer, not an error — and its dead cookie is cleared; a bearer token
       * that is not a live session is 401, as on every session route.
       */
      async handle(req, res) {
        const credential = credentialOf(req.headers.authorization, req.headers.cookie);
        const signedOut = { signed_in: false, sign_in: deps.signInMode };
        if (credential === undefined) return sendJson(res, 200, signedOut);
        let person: SessionPrincipal | undefined;
        if (!("malformed" in credential) && credential.via === "cookie") {
          person = isSessionToken(credential.token) ? await deps.sessions.authenticate(credential.token) : undefined;
          if (!person) return sendJson(res, 200, signedOut, { "set-cookie": [clearCookie(SESSION_COOKIE, cookie)] });
        } else {
          person = await caller(req, { mutating: false });
        }
        // Operator rights as of this request (OPERATOR_EMAILS), not as of sign-in.
        sendJson(res, 200, {
          signed_in: true,
          email: person.email,
          session_id: person.sessionId,
          operator: person.kind === "operator",
          sign_in: deps.signInMode,
        });
      },
    },
    {
      methods: ["GET"],
      path: "/auth/sessions",
      async handle(req, res) {
        const person = await caller(req, { mutating: false });
        const sessions = await deps.sessions.list(person);
        sendJson(res, 200, { sessions: sessions.map((s) => toJson(s, person)) });
      },
    },
    {
      methods: ["DELETE"],
      path: "/auth/sessions/:sessionId",
      async handle(req, res, params) {
        const person = await caller(req, { mutating: true });
        await deps.sessions.revoke(person, params.sessionId ?? "");
        send(res, 204, "");
      },
    },
  ];
  // A sign-in failure answers with its own status and reason; other errors as the table does.
  const answerError = (err: unknown) => (err instanceof SignInError ? { error: signInFailure(err), internal: false } : undefined);
  return routes.map((route) => ({ ...route, metricsLabel: "/auth", answerError }));

  /** The person behind the request's session, or an HttpError. */
  async function caller(req: Req, o: { mutating: boolean }): Promise<SessionPrincipal> {
    const credential = credentialOf(req.headers.authorization, req.headers.cookie);
    if (credential === undefined || "malformed" in credential) {
      throw new HttpError(401, "unauthenticated", 'send the session as "Authorization: Bearer <session token>" or the tp_session cookie');
    }
    if (credential.via === "cookie" && o.mutating) {
      const from = req.headers.origin;
      if (from !== undefined && !sameText(String(from), origin)) {
        throw new HttpError(403, "cross_origin", `a cookie session may only be used from ${origin}`);
      }
    }
    if (!isSessionToken(credential.token)) {
      throw new HttpError(403, "not_a_session", "these routes are for sessions opened by signing in (operator tokens have none)");
    }
    const person = await deps.sessions.authenticate(credential.token);
    if (!person) throw new HttpError(401, "invalid_session", "the session is unknown, revoked or expired; sign in again at /auth/login");
    return person;
  }
}

/** Only a path on this server (never `//host` or a full URL): no open redirect. */
/**
 * Where to send a person after sign-in: only a page of this server (no open redirect). The value
 * is resolved the way a browser will resolve the Location header (which drops tabs and newlines,
 * so `/\t/evil.example` means `//evil.example`), kept only if it stays on this origin, and given
 * back as a path in its URL-encoded form (always a valid header value).
 */
function safeReturnTo(value: string | null, origin: string): string {
  if (value === null || !value.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return "/";
  }
  if (url.origin !== origin) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof DomainError && err.kind === "not_found")) throw err;
}

function toJson(s: Session, person: SessionPrincipal) {
  return {
    session_id: s.sessionId,
    create_time: s.createTime.toISOString(),
    expire_time: s.expireTime.toISOString(),
    user_agent: s.userAgent,
    current: s.sessionId === person.sessionId,
  };
}

function signInFailure(err: SignInError, headers: Headers = {}): HttpError {
  return new HttpError(err.status, "sign_in_failed", err.message, {
    reason: err.reason,
    headers: { ...headers, ...(err.retryAfterSeconds !== undefined && { "retry-after": String(err.retryAfterSeconds) }) },
  });
}
