/**
 * A local OpenID provider for developing sign-in without Google (npm run dev:oidc).
 *
 * It is panva's oidc-provider with its development login form: any e-mail typed as the login
 * (any password) signs in as that address, reported as verified. That is exactly why it is a
 * separate, explicitly started process and refuses to run when DATABASE_URL is set: a provider
 * that vouches for any address must never front a real database.
 *
 *   npm run dev:oidc                      # provider on http://localhost:9090
 *   OIDC_ISSUER=http://localhost:9090 OIDC_CLIENT_ID=trueparser-dev \
 *   OIDC_CLIENT_SECRET=trueparser-dev-secret-not-for-production npm start
 *   open http://localhost:8080/auth/login
 */
import Provider from "oidc-provider";

if (process.env.DATABASE_URL?.trim()) {
  process.stderr.write(
    "dev-oidc-provider refuses to start while DATABASE_URL is set: it signs anyone in as any e-mail, " +
      "so it may only front the embedded development database (unset DATABASE_URL).\n",
  );
  process.exit(2);
}

const port = Number(process.env.DEV_OIDC_PORT ?? 9090);
const controlPlane = (process.env.ISSUER ?? "http://localhost:8080").replace(/\/$/, "");
const issuer = `http://localhost:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "trueparser-dev",
      client_secret: "trueparser-dev-secret-not-for-production",
      redirect_uris: [`${controlPlane}/auth/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  findAccount: async (_ctx: unknown, id: string) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: id, email_verified: true }),
  }),
  claims: { openid: ["sub"], email: ["email", "email_verified"] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  cookies: { keys: ["dev-only-cookie-key"] },
});

provider.listen(port);
process.stdout.write(
  `development OIDC provider on ${issuer} (log in with any e-mail, any password)\n` +
    `start the control plane with:\n` +
    `  OIDC_ISSUER=${issuer} OIDC_CLIENT_ID=trueparser-dev OIDC_CLIENT_SECRET=trueparser-dev-secret-not-for-production npm start\n` +
    `then open ${controlPlane}/auth/login\n`,
);
