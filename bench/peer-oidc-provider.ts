/**
 * The peer: panva's node-oidc-provider (v9) configured for client_credentials only, issuing ES256
 * JWT access tokens (RFC 9068 shape) for one resource to one static client_secret_basic client,
 * and, when PEER_ASSERTION_JWK holds a public JWK, to a private_key_jwt client with that key
 * (bench/credentials-load.ts). Run as its own process by bench/run.ts; listens on
 * 127.0.0.1:$PORT and prints "ready".
 */
import http from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { PEER_CLIENT_ID, PEER_CLIENT_SECRET, PEER_PKJWT_CLIENT_ID } from "./credentials.js";

// oidc-provider requires resource indicators to be absolute URIs (RFC 8707).
const PEER_AUDIENCE = "urn:trueparser:api";

async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "peer-es256", alg: "ES256", use: "sig" };
  const assertionJwk = process.env.PEER_ASSERTION_JWK ? (JSON.parse(process.env.PEER_ASSERTION_JWK) as Record<string, unknown>) : undefined;
  const provider = new Provider(issuer, {
    clients: [
      ...(assertionJwk
        ? [
            {
              client_id: PEER_PKJWT_CLIENT_ID,
              grant_types: ["client_credentials"],
              response_types: [],
              redirect_uris: [],
              token_endpoint_auth_method: "private_key_jwt",
              token_endpoint_auth_signing_alg: "ES256",
              jwks: { keys: [assertionJwk] },
              id_token_signed_response_alg: "ES256",
            },
          ]
        : []),
      {
        client_id: PEER_CLIENT_ID,
        client_secret: PEER_CLIENT_SECRET,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic",
        // Only ES256 is configured, and the default (RS256) would be refused as client metadata.
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [jwk] },
    ttl: { ClientCredentials: 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Like ours, a caller names no resource: every token is for the one API.
        defaultResource: () => PEER_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "",
          audience: PEER_AUDIENCE,
          accessTokenTTL: 3600,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "ES256" } },
        }),
      },
    },
  });
  // Its default logger prints warnings per request in development; the bench wants it quiet.
  provider.on("server_error", (_ctx: unknown, err: Error) => process.stderr.write(`peer server_error: ${err.message}\n`));
  const server = http.createServer(provider.callback());
  server.listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

void main();
