/**
 * A real OpenID provider (panva's oidc-provider) on port 0, standing in for Google. Its login
 * page is replaced by an interaction that signs in whichever account the test chose, so a test
 * drives the whole redirect dance over HTTP without a browser. It signs id_tokens with a key the
 * test also holds, so a test can forge an id_token the provider's JWKS vouches for.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import Provider from "oidc-provider";

export interface TestAccount {
  readonly email: string;
  readonly emailVerified: boolean;
}

export const CLIENT_ID = "trueparser-dashboard";
export const CLIENT_SECRET = "test-client-secret-0123456789-abcdefghij";
const KID = "test-signing-key";

export interface TestOidcProvider {
  readonly issuer: string;
  /** Who the next sign-in at the provider is. */
  signInAs(account: TestAccount): void;
  /** Registers the control plane's redirect URI and starts answering. */
  start(redirectUri: string): void;
  /** An id_token signed with the provider's own key (as its JWKS publishes it). */
  signIdToken(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcProvider(): Promise<TestOidcProvider> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: KID, alg: "RS256", use: "sig" };
  let account: TestAccount = { email: "someone@example.test", emailVerified: true };
  let provider: Provider | undefined;

  const server = http.createServer((req, res) => {
    if (!provider) {
      res.writeHead(503).end();
      return;
    }
    if (req.url?.startsWith("/interaction/")) {
      void finishInteraction(provider, req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function finishInteraction(p: Provider, req: http.IncomingMessage, res: http.ServerResponse) {
    const details = await p.interactionDetails(req, res);
    const accountId = account.email;
    const grant = new p.Grant({ accountId, clientId: details.params.client_id! });
    grant.addOIDCScope("openid email");
    const grantId = await grant.save();
    await p.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  return {
    issuer,
    signInAs(a) {
      account = a;
    },
    start(redirectUri) {
      const accounts = new Map<string, TestAccount>();
      provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uris: [redirectUri],
            grant_types: ["authorization_code"],
            response_types: ["code"],
            token_endpoint_auth_method: "client_secret_post",
          },
        ],
        jwks: { keys: [jwk] },
        // Claims of the account signed in at the interaction (remembered by e-mail as account id).
        findAccount: async (_ctx: unknown, id: string) => {
          const a = accounts.get(id) ?? account;
          accounts.set(id, a);
          return { accountId: id, claims: async () => ({ sub: id, email: a.email, email_verified: a.emailVerified }) };
        },
        claims: { openid: ["sub"], email: ["email", "email_verified"] },
        // Like Google: the e-mail claims travel in the id_token itself.
        conformIdTokenClaims: false,
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
        pkce: { required: () => true },
        cookies: { keys: ["test-cookie-key-0123456789"] },
      });
    },
    async signIdToken(claims) {
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: KID }).sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
