/** Binds the OAuth shim's routes to the token issuer, the operator tokens and the signing keys. */
import type { OperatorTokens } from "../../services/operator-tokens.js";
import type { SigningKeys } from "../../services/signing-keys.js";
import type { TokenIssuer } from "../../services/token-issuer.js";
import { invalidClient } from "./oauth-errors.js";
import type { OAuthEndpoints } from "./oauth-routes.js";

export function oauthEndpoints(deps: { issuer: TokenIssuer; operators: OperatorTokens; signingKeys: SigningKeys }): OAuthEndpoints {
  return {
    issueToken: (input) => deps.issuer.issue(input),
    async introspect(input) {
      if ("bearer" in input.caller) {
        if ((await deps.operators.authenticate(input.caller.bearer, input.sourceAddress)) === undefined) {
          throw invalidClient("the bearer token is not a valid operator token");
        }
      } else {
        await deps.issuer.authenticateIntrospectionClient(input.caller.credentials, input.sourceAddress);
      }
      return deps.issuer.introspect(input.token);
    },
    jwks: async () => ({ keys: (await deps.signingKeys.published()).map((k) => k.publicJwk) }),
  };
}
