/**
 * Development sign-in (docs/architecture.md, "Development sign-in"): a real OpenID provider,
 * panva's oidc-provider, started in this process and served on this port under /dev-oidc. Its
 * login page (src/transport/http/development-sign-in-routes.ts) signs in whatever e-mail is
 * typed, reported as verified. The server signs in against it exactly as it does against Google
 * (src/oidc/oidc-sign-in.ts: discovery, authorization code with PKCE, id_token verification, all
 * over HTTP), so development exercises the production code path.
 *
 * Offered only when `config.developmentSignIn` says so (src/config.ts). Its signing key, cookie
 * key and client secret are generated at start and live in memory only, as do its interactions
 * and codes (the library's own in-memory store, bounded to 1,000 entries).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type http from "node:http";
import type { Logger } from "../observability/logger.js";

/** Where the provider is mounted: its issuer is `${publicUrl}${DEVELOPMENT_SIGN_IN_PREFIX}`. */
export const DEVELOPMENT_SIGN_IN_PREFIX = "/dev-oidc";

const CLIENT_ID = "trueparser-development-sign-in";

export interface DevelopmentProvider {
  /** The issuer the server's sign-in discovers, as OIDC_ISSUER would be. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Serves a request under the prefix (the prefix still on `req.url`). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** The sign-in waiting at the login page this browser holds, or undefined if none (expired, another browser). */
  pendingLogin(req: http.IncomingMessage, res: http.ServerResponse, uid: string): Promise<{ readonly loginHint: string } | undefined>;
  /** Signs `email` in (verified) and sends the browser on (303) back to the server's callback. */
  finishLogin(req: http.IncomingMessage, res: http.ServerResponse, email: string): Promise<void>;
  /** The person declined: the server's callback receives `access_denied`. */
  abortLogin(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

export async function startDevelopmentProvider(options: {
  /** ISSUER as served; the provider's redirect URI is its /auth/callback. */
  readonly publicUrl: string;
  readonly logger: Logger;
}): Promise<DevelopmentProvider> {
  const { Provider, interactionPolicy, errors, createMemoryAdapter } = await loadOidcProvider(options.logger);
  const issuer = `${options.publicUrl}${DEVELOPMENT_SIGN_IN_PREFIX}`;
  const clientSecret = randomBytes(32).toString("base64url");
  const signingKey = {
    ...generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }),
    kid: `dev-${randomBytes(8).toString("hex")}`,
    alg: "ES256",
    use: "sig",
  };

  // Every sign-in asks for an e-mail, even in a browser the provider remembers: a developer
  // switching between people (an owner, a member, an operator) must not be signed in as the
  // last one. The login a person has just given (the interaction's result) satisfies it.
  const policy = interactionPolicy.base();
  policy.get("login")?.checks.push(
    new interactionPolicy.Check("development_sign_in", "development sign-in asks for an e-mail every time", "login_required", (ctx) =>
      ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
    ),
  );

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [`${options.publicUrl}/auth/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    adapter: createMemoryAdapter(),
    // The account is the e-mail typed at the login page, verified by fiat: that is the point.
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: id, email_verified: true }),
    }),
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    // Like Google: the e-mail claims travel in the id_token itself.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${DEVELOPMENT_SIGN_IN_PREFIX}/interaction/${interaction.uid}`, policy },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = "html";
      ctx.body = `<!doctype html><meta charset="utf-8"><title>Development sign-in failed</title><h1>Development sign-in failed</h1><p>${escapeHtml(
        Object.values(out).join(": "),
      )}</p><p><a href="/auth/login">Start again</a></p>`;
    },
  });
  provider.on("server_error", (_ctx: unknown, err: unknown) => options.logger.error({ err }, "development sign-in provider failed"));
  const callback = provider.callback();

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse) {
    try {
      return await provider.interactionDetails(req, res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return undefined;
      throw err;
    }
  }

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    handle(req, res) {
      // Mounted as oidc-provider's documentation shows for plain Node handlers: the provider
      // sees the path below its mount point and finds the mount point in `originalUrl`.
      const mounted = req as http.IncomingMessage & { originalUrl?: string };
      const url = req.url ?? "/";
      mounted.originalUrl = url;
      mounted.url = url.slice(DEVELOPMENT_SIGN_IN_PREFIX.length) || "/";
      return callback(mounted, res);
    },
    async pendingLogin(req, res, uid) {
      const found = await interaction(req, res);
      if (!found || found.uid !== uid) return undefined;
      return { loginHint: found.params.login_hint ?? "" };
    },
    async finishLogin(req, res, email) {
      const found = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: email, clientId: found.params.client_id! });
      grant.addOIDCScope("openid email");
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: email }, consent: { grantId } }, { mergeWithLastSubmission: false });
    },
    async abortLogin(req, res) {
      const result = { error: "access_denied", error_description: "the person cancelled development sign-in" };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    },
  };
}

/**
 * oidc-provider, imported only when development sign-in is offered (a production process never
 * loads it). On Node 20 the library prints that it prefers Node 22 as it loads; that and any other
 * notice it prints while loading go to our log at debug level, so the one line a person reads at
 * start is ours.
 */
async function loadOidcProvider(logger: Logger) {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => logger.debug({ notice: args.map(String).join(" ") }, "oidc-provider notice");
  try {
    const [library, memory] = await Promise.all([import("oidc-provider"), import("oidc-provider/lib/adapters/memory_adapter.js")]);
    return { Provider: library.default, interactionPolicy: library.interactionPolicy, errors: library.errors, createMemoryAdapter: memory.createMemoryAdapter };
  } finally {
    console.warn = warn;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
