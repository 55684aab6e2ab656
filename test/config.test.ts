import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("has a working default for every variable", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      production: false,
      databaseUrl: undefined,
      dataDir: path.resolve(".data"),
      issuer: "http://localhost:8080",
      platformUrl: "http://localhost:8080",
      tokenAudience: "trueparser-api",
      tokenTtlSeconds: 3600,
      signingAlg: "ES256",
      smtpUrl: undefined,
      mailFrom: "no-reply@localhost",
      operatorToken: undefined,
      keyEncryptionKey: undefined,
      logLevel: "info",
      workers: 1,
      tls: undefined,
      sessionTtlSeconds: 28_800,
    });
    expect(c.oidc).toEqual({ issuer: "https://accounts.google.com", clientId: undefined, clientSecret: undefined });
    expect(Object.isFrozen(c)).toBe(true);
    expect(c.trustedProxies.entries).toEqual([]); // trust nobody
    expect([...c.operatorEmails]).toEqual([]); // no dashboard operators
    expect(c.developmentSignIn).toEqual({ offered: true }); // npm start on a fresh machine
  });

  it("bounds stale serving and every database call, with defaults in the low seconds", () => {
    expect(loadConfig({})).toMatchObject({ maxStalenessSeconds: 300, databaseTimeouts: { connectMs: 3_000, statementMs: 5_000 } });
    expect(
      loadConfig({ MAX_STALENESS_SECONDS: "0", DATABASE_CONNECT_TIMEOUT_MS: "10000", DATABASE_STATEMENT_TIMEOUT_MS: "20000" }),
    ).toMatchObject({ maxStalenessSeconds: 0, databaseTimeouts: { connectMs: 10_000, statementMs: 20_000 } });
    expect(() => loadConfig({ MAX_STALENESS_SECONDS: "-1", DATABASE_STATEMENT_TIMEOUT_MS: "5s" })).toThrow(
      /MAX_STALENESS_SECONDS="-1" must be a whole number from 0 to 86400[\s\S]*DATABASE_STATEMENT_TIMEOUT_MS="5s"/,
    );
  });

  it("reads TRUSTED_PROXIES and names each bad entry at start", () => {
    const c = loadConfig({ TRUSTED_PROXIES: "10.0.0.0/8, fd00::/8, 192.0.2.10" });
    expect(c.trustedProxies.entries).toEqual(["10.0.0.0/8", "fd00::/8", "192.0.2.10"]);
    expect(c.trustedProxies.has("10.9.8.7")).toBe(true);
    expect(c.trustedProxies.has("192.0.2.11")).toBe(false);
    let error: ConfigError | undefined;
    try {
      loadConfig({ TRUSTED_PROXIES: "10.0.0.0/8, proxy.local, 10.0.0.0/40" });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems).toEqual([
      'TRUSTED_PROXIES entry "proxy.local" is not an IP address or CIDR network (e.g. 10.0.0.0/8, 2001:db8::/32; host names are not resolved)',
      'TRUSTED_PROXIES entry "10.0.0.0/40" has a prefix length that is not a whole number from 0 to 32',
    ]);
  });

  it("bounds SESSION_TTL_SECONDS", () => {
    expect(loadConfig({ SESSION_TTL_SECONDS: "3600" }).sessionTtlSeconds).toBe(3600);
    expect(() => loadConfig({ SESSION_TTL_SECONDS: "10" })).toThrow(/SESSION_TTL_SECONDS="10" must be a whole number from 300 to 2592000/);
  });

  it("derives the issuer from HOST and PORT, and the platform URL from the issuer", () => {
    const c = loadConfig({ HOST: "10.0.0.5", PORT: "9000" });
    expect(c.issuer).toBe("http://10.0.0.5:9000");
    expect(c.platformUrl).toBe("http://10.0.0.5:9000");
    // Loopback and wildcard addresses are spelled as people open them; IPv6 gets brackets.
    for (const host of ["127.0.0.1", "::1", "localhost", "0.0.0.0", "::"]) {
      expect(loadConfig({ HOST: host }).issuer).toBe("http://localhost:8080");
    }
    expect(loadConfig({ HOST: "fd00::5" }).issuer).toBe("http://[fd00::5]:8080");
  });

  it("reads OPERATOR_EMAILS as lower-cased e-mail addresses, naming each one that is not", () => {
    expect([...loadConfig({ OPERATOR_EMAILS: " Ops@Example.com, lead@example.com,," }).operatorEmails]).toEqual([
      "ops@example.com",
      "lead@example.com",
    ]);
    let error: ConfigError | undefined;
    try {
      loadConfig({ OPERATOR_EMAILS: "ops@example.com, ops, a@b@c.com", PORT: "x" });
    } catch (e) {
      error = e as ConfigError;
    }
    // Reported with every other problem, in one message.
    expect(error?.problems).toEqual([
      'PORT="x" must be a whole number from 0 to 65535',
      'OPERATOR_EMAILS entry "ops" is not an e-mail address (comma-separated, e.g. ops@example.com,lead@example.com)',
      'OPERATOR_EMAILS entry "a@b@c.com" is not an e-mail address (comma-separated, e.g. ops@example.com,lead@example.com)',
    ]);
  });

  it("offers development sign-in only without OIDC_CLIENT_ID, DATABASE_URL and NODE_ENV=production, on loopback", () => {
    for (const host of ["127.0.0.1", "::1", "localhost", "LOCALHOST"]) {
      expect(loadConfig({ HOST: host }).developmentSignIn).toEqual({ offered: true });
    }
    expect(loadConfig({ ISSUER: "http://127.0.0.1:8080" }).developmentSignIn).toEqual({ offered: true });
    const refusals: Array<[Record<string, string>, string]> = [
      [{ OIDC_CLIENT_ID: "id", OIDC_CLIENT_SECRET: "secret" }, "OIDC_CLIENT_ID is set: sign-in uses that provider"],
      [{ DATABASE_URL: "postgresql://u@localhost/db" }, "DATABASE_URL is set"],
      [{ NODE_ENV: "production" }, "NODE_ENV is production"],
      [{ NODE_ENV: " Production " }, "NODE_ENV is production"],
      [{ HOST: "0.0.0.0" }, "HOST=0.0.0.0 is not loopback-only (127.0.0.1, ::1 or localhost)"],
      [{ HOST: "::" }, "HOST=:: is not loopback-only (127.0.0.1, ::1 or localhost)"],
      [{ HOST: "192.168.1.20" }, "HOST=192.168.1.20 is not loopback-only (127.0.0.1, ::1 or localhost)"],
      // Behind a reverse proxy on the same machine: loopback HOST, public ISSUER.
      [{ ISSUER: "https://cp.example.com" }, "ISSUER=https://cp.example.com is not on this machine (a proxy may bring other people here)"],
    ];
    for (const [env, because] of refusals) {
      const c = loadConfig(env);
      expect(c.developmentSignIn).toEqual({ offered: false, because });
      expect(c.production).toBe(env.NODE_ENV !== undefined);
    }
  });

  it("defaults WORKERS to the core count on PostgreSQL", () => {
    const c = loadConfig({ DATABASE_URL: "postgres://u@localhost/db" });
    expect(c.workers).toBeGreaterThanOrEqual(1);
  });

  it("reports every problem at once, naming each variable and what to fix", () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: "eighty",
        DATABASE_URL: "mysql://x",
        OPERATOR_TOKEN: "short",
        SIGNING_ALG: "HS256",
        TOKEN_TTL_SECONDS: "5",
        TLS_CERT_FILE: "/tmp/cert.pem",
        OIDC_CLIENT_ID: "id-only",
        WORKERS: "4",
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.message;
    for (const name of ["PORT", "DATABASE_URL", "OPERATOR_TOKEN", "SIGNING_ALG", "TOKEN_TTL_SECONDS", "TLS_KEY_FILE", "OIDC_CLIENT_SECRET"]) {
      expect(text).toContain(name);
    }
    expect(error!.problems.length).toBe(7);
    expect(text).toContain("at least 32 characters");
    expect(text).not.toContain("short"); // the token itself is never echoed
  });

  it("refuses several workers on the embedded database", () => {
    expect(() => loadConfig({ WORKERS: "2" })).toThrow(/WORKERS=2 needs DATABASE_URL/);
  });

  it("never prints a database password", () => {
    expect(() => loadConfig({ DATABASE_URL: "http://user:hunter2@db/x" })).toThrow(ConfigError);
    try {
      loadConfig({ DATABASE_URL: "http://user:hunter2@db/x" });
    } catch (e) {
      expect((e as Error).message).not.toContain("hunter2");
    }
  });
});
