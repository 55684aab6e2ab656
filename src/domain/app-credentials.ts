/**
 * An app's credentials as pure decisions: overlapping client secrets (at most two live, so a
 * fleet can move from one to the next without downtime), public keys for private_key_jwt (at
 * most five), and the rule that an enabled app is never left silently unable to authenticate
 * (docs/architecture.md, "Credentials"). No I/O: ids and times are passed in; secrets are hashed
 * and keys parsed by the services before they get here.
 */
import type { App, AppKeyDescriptor } from "./app.js";
import { DomainError, failedPrecondition, notFound } from "./errors.js";

export const MAX_LIVE_SECRETS = 2;
export const MAX_APP_KEYS = 5;

/** A key id (the JWK's `kid`, or its thumbprint): 1-128 printable ASCII characters without spaces. */
export const KEY_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** How many live credentials of each kind the app accepts now (its method may refuse secrets). */
export function acceptedCredentials(app: Pick<App, "secrets" | "keys" | "tokenEndpointAuthMethod">): { secrets: number; keys: number } {
  return { secrets: app.tokenEndpointAuthMethod === "private_key_jwt" ? 0 : app.secrets.length, keys: app.keys.length };
}

/** Throws LAST_CREDENTIAL when `app` (the state a change would leave) is enabled and accepts no live credential. */
export function checkCredentialsRemain(app: App, change: string): void {
  const accepted = acceptedCredentials(app);
  if (!app.enabled || accepted.secrets + accepted.keys > 0) return;
  throw lastCredential(
    app,
    `${change} would leave app ${app.appId} with no credential it accepts, so it could not authenticate; ` +
      "add a secret (AddAppSecret) or a key (AddAppKey) first, or disable the app",
  );
}

function lastCredential(app: App, message: string): DomainError {
  return failedPrecondition("LAST_CREDENTIAL", message, { app_id: app.appId });
}

/** A second live secret, for rotation without downtime; a third is refused (TOO_MANY_SECRETS). */
export function addAppSecret(app: App, secretId: string, now: Date): App {
  if (app.secrets.length >= MAX_LIVE_SECRETS) {
    throw failedPrecondition(
      "TOO_MANY_SECRETS",
      `app ${app.appId} already has ${MAX_LIVE_SECRETS} live secrets, the most an app may have; revoke one first (RevokeAppSecret)`,
      { app_id: app.appId, limit: String(MAX_LIVE_SECRETS) },
    );
  }
  return { ...app, secrets: [...app.secrets, { secretId, createTime: now, lastUsedTime: null }], updateTime: now };
}

/**
 * Ends one live secret. The last one goes only if the app is disabled, or authenticates with keys
 * only and has a key (the rule, stricter than "some credential remains": an app that
 * accepts both drops secrets by saying so, with token_endpoint_auth_method `private_key_jwt`).
 */
export function revokeAppSecret(app: App, secretId: string, now: Date): App {
  if (!app.secrets.some((s) => s.secretId === secretId)) {
    throw notFound("SECRET_NOT_FOUND", `app ${app.appId} has no live secret ${secretId}`, { app_id: app.appId, secret_id: secretId });
  }
  const next = { ...app, secrets: app.secrets.filter((s) => s.secretId !== secretId), updateTime: now };
  const keysOnly = app.tokenEndpointAuthMethod === "private_key_jwt" && app.keys.length > 0;
  if (next.secrets.length === 0 && app.enabled && !keysOnly) {
    throw lastCredential(
      app,
      `secret ${secretId} is the last live secret of enabled app ${app.appId}; add another first (AddAppSecret), ` +
        "or disable the app, or make it authenticate with keys only (token_endpoint_auth_method private_key_jwt, with a key)",
    );
  }
  return next;
}

/** RegenerateAppSecret: one new secret, every other one gone at once. */
export function replaceAppSecrets(app: App, secretId: string, now: Date): App {
  return { ...app, secrets: [{ secretId, createTime: now, lastUsedTime: null }], updateTime: now };
}

/** Registers a parsed public key: one key, one id, at most MAX_APP_KEYS. */
export function addAppKey(app: App, key: Omit<AppKeyDescriptor, "createTime" | "lastUsedTime">, now: Date): App {
  const same = app.keys.find((k) => k.keyId === key.keyId || k.thumbprint === key.thumbprint);
  if (same) {
    throw new DomainError(
      "already_exists",
      "KEY_ALREADY_EXISTS",
      same.thumbprint === key.thumbprint
        ? `app ${app.appId} already has this key, as ${same.keyId}`
        : `app ${app.appId} already has a key with kid ${key.keyId}; give the new key another kid`,
      { app_id: app.appId, key_id: same.keyId },
    );
  }
  if (app.keys.length >= MAX_APP_KEYS) {
    throw failedPrecondition(
      "TOO_MANY_KEYS",
      `app ${app.appId} already has ${MAX_APP_KEYS} keys, the most an app may have; remove one first (RemoveAppKey)`,
      { app_id: app.appId, limit: String(MAX_APP_KEYS) },
    );
  }
  return { ...app, keys: [...app.keys, { ...key, createTime: now, lastUsedTime: null }], updateTime: now };
}

/** Removes a key; refused when it would leave an enabled app without a credential it accepts. */
export function removeAppKey(app: App, keyId: string, now: Date): App {
  if (!app.keys.some((k) => k.keyId === keyId)) {
    throw notFound("KEY_NOT_FOUND", `app ${app.appId} has no key ${keyId}`, { app_id: app.appId, key_id: keyId });
  }
  const next = { ...app, keys: app.keys.filter((k) => k.keyId !== keyId), updateTime: now };
  checkCredentialsRemain(next, `removing key ${keyId}`);
  return next;
}
