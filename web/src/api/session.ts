/**
 * The dashboard's session routes, which are plain HTTP rather than RPCs (src/transport/http/
 * auth-routes.ts): the only hand-written calls in the app. Everything else goes through the
 * generated services (./proto.ts).
 *
 *   GET    /auth/login?return_to=/path   (a navigation, not a fetch: signInUrl)
 *   GET    /auth/session                 who is signed in (or nobody), and how signing in works here
 *   GET    /auth/sessions                that person's live sessions
 *   DELETE /auth/sessions/{session_id}   revoke one
 *   POST   /auth/logout                  revoke this one and clear the cookie
 *
 * The cookie rides along (same origin); a POST or DELETE carries the page's own Origin, which the
 * server's CSRF rule accepts.
 */
import { HttpRouteError } from "./errors";

export interface SignedIn {
  readonly email: string;
  readonly sessionId: string;
  /** The e-mail is in the server's OPERATOR_EMAILS; a server that does not say is read as false. */
  readonly operator: boolean;
}

/** How people sign in on this server: its OIDC provider, development sign-in, or not at all. */
export type SignInMode = "provider" | "development" | "unavailable";

export interface SessionState {
  /** Null when this browser has no live session. */
  readonly person: SignedIn | null;
  readonly signIn: SignInMode;
}

export interface SessionSummary {
  readonly sessionId: string;
  readonly createTime: Date;
  readonly expireTime: Date;
  readonly userAgent: string;
  /** The session this browser is using. */
  readonly current: boolean;
}

/** Where "Sign in" goes: the server redirects to the identity provider and, after it, back here. */
export function signInUrl(returnTo: string): string {
  // Only a path on this origin: not "//host" nor "/\host", which a browser reads as another host
  // (the server checks again: src/transport/http/auth-routes.ts).
  const path = /^\/(?![/\\])/.test(returnTo) ? returnTo : "/";
  return `/auth/login?return_to=${encodeURIComponent(path)}`;
}

/** Who is signed in here (nobody is an answer, not an error), and how one signs in. */
export async function getSession(): Promise<SessionState> {
  const body = await json(await call("GET", "/auth/session"));
  const signIn: SignInMode = body.sign_in === "development" || body.sign_in === "unavailable" ? body.sign_in : "provider";
  if (body.signed_in !== true) return { person: null, signIn };
  return {
    person: { email: text(body, "email"), sessionId: text(body, "session_id"), operator: body.operator === true },
    signIn,
  };
}

export async function listSessions(): Promise<SessionSummary[]> {
  const body = await json(await call("GET", "/auth/sessions"));
  const list = Array.isArray(body.sessions) ? (body.sessions as unknown[]) : [];
  return list.map((raw) => {
    const s = object(raw);
    return {
      sessionId: text(s, "session_id"),
      createTime: new Date(text(s, "create_time")),
      expireTime: new Date(text(s, "expire_time")),
      userAgent: typeof s.user_agent === "string" ? s.user_agent : "",
      current: s.current === true,
    };
  });
}

export async function revokeSession(sessionId: string): Promise<void> {
  await expectNoContent(await call("DELETE", `/auth/sessions/${encodeURIComponent(sessionId)}`));
}

export async function signOut(): Promise<void> {
  const res = await call("POST", "/auth/logout");
  // Already signed out (expired, revoked elsewhere) is what the person wanted anyway.
  if (res.status === 401) return;
  await expectNoContent(res);
}

async function call(method: string, path: string): Promise<Response> {
  return fetch(path, { method, credentials: "same-origin", headers: { accept: "application/json" } });
}

async function expectNoContent(res: Response): Promise<void> {
  if (!res.ok) await json(res);
}

type Json = Record<string, unknown>;

/** The JSON body of a 2xx answer; any other status becomes an HttpRouteError (./errors.ts). */
async function json(res: Response): Promise<Json> {
  const body: unknown = await res.json().catch(() => ({}));
  if (!res.ok) throw HttpRouteError.from(res.status, body);
  return object(body);
}

function object(v: unknown): Json {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function text(o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new HttpRouteError(502, "bad_response", "", `the server's answer lacks "${key}"`);
  return v;
}
