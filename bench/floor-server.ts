/**
 * The floor: the least a token endpoint can do on Node — node:http, parse Basic auth, compare
 * the secret in constant time, sign the same RFC 9068 claims with the same library and key type
 * as the control plane, answer JSON. No database, no rules, no logging: what is left of a
 * request's cost is HTTP and signing. Run as its own process by bench/run.ts.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { generateKeyPair, SignJWT } from "jose";
import { FLOOR_CLIENT_ID, FLOOR_CLIENT_SECRET } from "./credentials.js";


async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  const { privateKey } = await generateKeyPair("ES256");
  const expected = createHash("sha256").update(FLOOR_CLIENT_SECRET).digest();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const auth = req.headers.authorization ?? "";
      const decoded = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8") : "";
      const colon = decoded.indexOf(":");
      const id = decodeURIComponent(decoded.slice(0, colon));
      const secret = createHash("sha256").update(decodeURIComponent(decoded.slice(colon + 1))).digest();
      if (colon < 0 || id !== FLOOR_CLIENT_ID || !timingSafeEqual(secret, expected)) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"invalid_client"}');
        return;
      }
      const iat = Math.floor(Date.now() / 1000);
      new SignJWT({
        iss: `http://127.0.0.1:${port}`, sub: id, client_id: id, aud: "trueparser-api", iat, exp: iat + 3600,
        jti: randomUUID(), tenant_id: randomUUID(), app_id: randomUUID(), region: "eu", database_code: "eu-1", allowed_domains: [],
      })
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "floor" })
        .sign(privateKey)
        .then((jwt) => {
          res.writeHead(200, { "content-type": "application/json;charset=UTF-8", "cache-control": "no-store", pragma: "no-cache" });
          res.end(JSON.stringify({ access_token: jwt, token_type: "Bearer", expires_in: 3600 }));
        });
    });
  });
  server.listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

void main();
