/**
 * OpenID Connect sign-in (Authorization Code + PKCE S256, state and nonce) on openid-client.
 *
 * /auth/login stores state, nonce and the PKCE verifier in a `sign_in_attempts` row and gives the
 * browser only a random handle (cookie); /auth/callback deletes that row whatever happens, so a
 * callback URL cannot be replayed, then lets openid-client exchange the code and verify the
 * id_token (signature, issuer, audience, nonce, expiry). We add what the library leaves to us:
 * an e-mail the provider has verified.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Knex } from "knex";
import * as client from "openid-client";
import type { Clock } from "../domain/clock.js";
import { subscriberKey } from "../domain/source-address.js";
import { countSignInAttempts, deleteExpiredSignInAttempts, insertSignInAttempt, takeSignInAttempt } from "../db/session-repository.js";
import type { FailureLimiter } from "../lib/failure-limiter.js";
import type { Session, SessionService } from "../services/session-service.js";

export type SignInFailureReason =
  /** OIDC_CLIENT_ID / OIDC_CLIENT_SECRET are not set. */
  | "SIGN_IN_NOT_CONFIGURED"
  /** The provider's discovery document or token endpoint could not be reached. */
  | "PROVIDER_UNAVAILABLE"
  /** No sign-in in progress for this browser (missing/unknown handle, already used, or too old). */
  | "SIGN_IN_EXPIRED"
  /** The callback's `state` is not the one this sign-in started with. */
  | "STATE_MISMATCH"
  /** The provider answered the authorization request with an error (e.g. the person declined). */
  | "PROVIDER_ERROR"
  /** The code exchange or the id_token failed verification (issuer, audience, nonce, expiry, signature). */
  | "ID_TOKEN_INVALID"
  /** The id_token has no e-mail, or the provider has not verified it. */
  | "EMAIL_NOT_VERIFIED"
  /** This source address started or finished too many sign-ins lately (429, Retry-After). */
  | "TOO_MANY_SIGN_IN_ATTEMPTS"
  /** So many sign-ins are in progress (from everywhere) that no more are stored for now (503, Retry-After). */
  | "TOO_MANY_SIGN_INS_IN_PROGRESS";

export class SignInError extends Error {
  constructor(
    readonly reason: SignInFailureReason,
    message: string,
    /** The HTTP status to answer with. */
    readonly status: number,
    /** Seconds for Retry-After, when waiting will help. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "SignInError";
  }
}

export const NOT_CONFIGURED_MESSAGE =
  "sign-in is not configured: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (and OIDC_ISSUER for a provider other than Google)";

export interface OidcSignInOptions {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly sessions: SessionService;
  readonly issuer: string;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** Where the provider sends the browser back: `${ISSUER}/auth/callback`. */
  readonly redirectUri: string;
  /** How long a started sign-in may take. */
  readonly attemptTtlSeconds?: number;
  /**
   * Sign-in requests (login and callback alike) per source address: IPv4 addresses and IPv6 /64s
   * each get a bucket. Bounds the attempts one source can make the server store.
   */
  readonly attemptsPerSource: FailureLimiter;
  /** Most sign-ins stored at once, from all sources together (default 10 000). */
  readonly maxPendingAttempts?: number;
  /** Tests substitute the HTTP client that talks to the provider. */
  readonly fetch?: client.CustomFetch;
}

export interface StartedSignIn {
  readonly authorizationUrl: URL;
  /** Goes into the browser's short-lived HttpOnly cookie; only its hash is stored. */
  readonly handle: string;
}

export interface FinishedSignIn {
  readonly token: string;
  readonly session: Session;
  readonly returnTo: string;
}

export class OidcSignIn {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(private readonly options: OidcSignInOptions) {}

  get configured(): boolean {
    return this.options.clientId !== undefined && this.options.clientSecret !== undefined;
  }

  /** Starts a sign-in for a browser at `sourceAddress` (throttled per source, stored bounded). */
  async start(returnTo: string, sourceAddress: string): Promise<StartedSignIn> {
    this.throttle(sourceAddress);
    const config = await this.discover();
    const now = this.options.clock.now();
    const handle = randomBytes(32).toString("base64url");
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await deleteExpiredSignInAttempts(this.options.knex, now);
    // Per-source buckets bound what one source stores; this bounds the table against many
    // sources. Count-then-insert may overshoot by the requests racing it, which stays bounded.
    const max = this.options.maxPendingAttempts ?? 10_000;
    if ((await countSignInAttempts(this.options.knex)) >= max) {
      throw new SignInError(
        "TOO_MANY_SIGN_INS_IN_PROGRESS",
        "too many sign-ins are in progress right now; try again in a minute",
        503,
        60,
      );
    }
    await insertSignInAttempt(this.options.knex, {
      handle_hash: hashHandle(handle),
      state,
      nonce,
      code_verifier: codeVerifier,
      return_to: returnTo,
      expire_time: new Date(now.getTime() + (this.options.attemptTtlSeconds ?? 600) * 1000),
    });
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      response_type: "code",
      scope: "openid email",
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
    });
    return { authorizationUrl, handle };
  }

  /** Verifies the callback and opens a session; throws SignInError (and opens none) otherwise. */
  async finish(callbackUrl: URL, handle: string | undefined, userAgent: string, sourceAddress: string): Promise<FinishedSignIn> {
    // Before the attempt is taken: a throttled callback leaves it for a retry after the wait.
    this.throttle(sourceAddress);
    const config = await this.discover();
    const now = this.options.clock.now();
    // Taken (deleted) before anything else: every outcome uses the attempt up.
    const attempt = handle ? await takeSignInAttempt(this.options.knex, hashHandle(handle)) : undefined;
    if (!attempt || attempt.expire_time <= now) {
      throw new SignInError(
        "SIGN_IN_EXPIRED",
        "no sign-in is in progress in this browser (it was already used, is older than 10 minutes, or cookies are blocked); start again at /auth/login",
        400,
      );
    }
    const params = callbackUrl.searchParams;
    if (params.get("state") !== attempt.state) {
      throw new SignInError("STATE_MISMATCH", "the state parameter does not match the sign-in that was started; start again at /auth/login", 400);
    }
    if (params.has("error")) {
      const description = params.get("error_description");
      throw new SignInError(
        "PROVIDER_ERROR",
        `the identity provider refused the sign-in: ${params.get("error")}${description ? ` (${description})` : ""}`,
        400,
      );
    }
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: attempt.code_verifier,
        expectedState: attempt.state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw verificationFailure(err);
    }
    const claims = tokens.claims();
    const email = typeof claims?.email === "string" ? claims.email.trim().toLowerCase() : "";
    if (email === "") {
      throw new SignInError("EMAIL_NOT_VERIFIED", 'the id_token carries no e-mail address: the provider must release the "email" scope', 403);
    }
    if (claims?.email_verified !== true) {
      throw new SignInError("EMAIL_NOT_VERIFIED", `the identity provider has not verified ${email}; verify it there and sign in again`, 403);
    }
    const { token, session } = await this.options.sessions.create(email, userAgent);
    return { token, session, returnTo: attempt.return_to };
  }

  /** Spends one attempt of the source's bucket (after the cheaper "not configured" answer). */
  private throttle(sourceAddress: string): void {
    if (!this.configured) throw new SignInError("SIGN_IN_NOT_CONFIGURED", NOT_CONFIGURED_MESSAGE, 503);
    const wait = this.options.attemptsPerSource.take(subscriberKey(sourceAddress));
    if (wait > 0) {
      throw new SignInError(
        "TOO_MANY_SIGN_IN_ATTEMPTS",
        `too many sign-in attempts from your address; try again in ${wait} second${wait === 1 ? "" : "s"}`,
        429,
        wait,
      );
    }
  }

  private discover(): Promise<client.Configuration> {
    if (!this.configured) throw new SignInError("SIGN_IN_NOT_CONFIGURED", NOT_CONFIGURED_MESSAGE, 503);
    if (!this.configuration) {
      const { issuer, clientId, clientSecret } = this.options;
      const url = new URL(issuer);
      this.configuration = client
        .discovery(
          url,
          clientId!,
          {
            client_secret: clientSecret!,
            // openid-client checks token times against its own clock; align it with the injected one.
            [client.clockSkew]: Math.round((this.options.clock.now().getTime() - Date.now()) / 1000),
          },
          undefined,
          {
          // Plain HTTP only for a provider on this machine (a local provider during development).
          execute: isLocalHttp(url) ? [client.allowInsecureRequests] : [],
          ...(this.options.fetch ? { [client.customFetch]: this.options.fetch } : {}),
          },
        )
        .catch((err: unknown) => {
          this.configuration = undefined; // try again on the next sign-in
          throw new SignInError(
            "PROVIDER_UNAVAILABLE",
            `the identity provider ${issuer} could not be reached or is not an OpenID provider: ${messageOf(err)}`,
            502,
          );
        });
    }
    return this.configuration;
  }
}

function hashHandle(handle: string): string {
  return createHash("sha256").update(handle).digest("hex");
}

function isLocalHttp(url: URL): boolean {
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

function verificationFailure(err: unknown): SignInError {
  if (err instanceof TypeError) {
    // fetch failed: the provider's token endpoint could not be reached.
    return new SignInError("PROVIDER_UNAVAILABLE", `the identity provider could not be reached: ${messageOf(err)}`, 502);
  }
  if (err instanceof client.ResponseBodyError) {
    // The token endpoint refused the code (invalid_grant: used, expired or not ours).
    return new SignInError("ID_TOKEN_INVALID", `the identity provider refused the code: ${err.error}`, 400);
  }
  // openid-client wraps the failed check (its message names the claim, e.g. `unexpected JWT "aud"
  // (audience) claim value`; its cause carries { claim }). Claim names are safe to show; the
  // token itself never appears in these messages.
  let detail = messageOf(err);
  let claim: unknown;
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && depth > 0) detail = e.message;
    claim ??= (e as { claim?: unknown }).claim;
  }
  const which = typeof claim === "string" && CLAIM_MEANING[claim] ? ` — ${CLAIM_MEANING[claim]}` : "";
  return new SignInError("ID_TOKEN_INVALID", `the id_token failed verification: ${detail}${which}`, 400);
}

const CLAIM_MEANING: Readonly<Record<string, string>> = {
  iss: "issued by another provider",
  aud: "issued to another client",
  nonce: "not issued for this sign-in (replayed or forged)",
  exp: "expired",
  iat: "issued at an implausible time",
  nbf: "not valid yet",
};

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
