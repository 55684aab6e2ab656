/**
 * Apps as pure decisions: creation, the changes a caller may make, and stamping from a license
 * region. No I/O, no clock, no randomness (ids, client ids and secrets are passed in).
 *
 * Stamping: an app records its region's code and that region's database code at the time it is
 * placed in the region. An app whose region had no database code yet is stamped later, when the
 * operator sets the code. An app stamped once keeps its database code if the region's code later
 * changes (its data lives there); SetAppLicenseRegion restamps explicitly.
 */
import { checkCredentialsRemain } from "./app-credentials.js";
import type { LicenseRegion } from "./license-region.js";
import type { SigningAlg } from "./signing-keys.js";

/** One live client secret (its argon2id hash is stored apart and read only to authenticate). */
export interface AppSecretDescriptor {
  /** Caches of verified secrets key on it: a revoked or replaced secret's id is never live again. */
  readonly secretId: string;
  readonly createTime: Date;
  readonly lastUsedTime: Date | null;
}

/** One public key the app signs private_key_jwt client assertions with (RFC 7523). */
export interface AppKeyDescriptor {
  /** The JWK's `kid`, or its RFC 7638 thumbprint when it had none; unique within the app. */
  readonly keyId: string;
  /** RFC 7638 thumbprint: the same key is never registered twice under two ids. */
  readonly thumbprint: string;
  readonly algorithm: SigningAlg;
  /** Public members only, with `kid`, `alg` and `use`. */
  readonly publicJwk: Readonly<Record<string, unknown>>;
  readonly createTime: Date;
  readonly lastUsedTime: Date | null;
}

/**
 * RFC 7591's `token_endpoint_auth_method`, as far as an app may set it: null accepts secrets
 * (client_secret_basic, client_secret_post) and keys; `private_key_jwt` accepts keys only.
 */
export type TokenEndpointAuthMethod = "private_key_jwt";
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ["private_key_jwt"];

export interface App {
  readonly appId: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly clientId: string;
  /** Canonical region code; null when the app has none (LICENSE_REGION_MISSING). */
  readonly licenseRegion: string | null;
  /** Null until the region's database is provisioned (DATABASE_CODE_MISSING). */
  readonly databaseCode: string | null;
  readonly allowedDomains: readonly string[];
  readonly enabled: boolean;
  readonly planId: string | null;
  /** Live client secrets, oldest first: at most MAX_LIVE_SECRETS (src/domain/app-credentials.ts). */
  readonly secrets: readonly AppSecretDescriptor[];
  /** Public keys for private_key_jwt, oldest first: at most MAX_APP_KEYS. */
  readonly keys: readonly AppKeyDescriptor[];
  /** Seconds its tokens live; null means TOKEN_TTL_SECONDS (src/domain/token-lifetime.ts). */
  readonly tokenLifetimeSeconds: number | null;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod | null;
  readonly createTime: Date;
  readonly updateTime: Date;
  readonly lastUsedTime: Date | null;
}

export interface AppChange {
  readonly app: App;
  /** False when the call was a harmless repeat: nothing to persist or audit. */
  readonly changed: boolean;
}

export function newApp(input: {
  appId: string;
  tenantId: string;
  displayName: string;
  clientId: string;
  region: LicenseRegion;
  allowedDomains: readonly string[];
  secretId: string;
  tokenLifetimeSeconds: number | null;
  now: Date;
}): App {
  return {
    appId: input.appId,
    tenantId: input.tenantId,
    displayName: input.displayName,
    clientId: input.clientId,
    ...stampOf(input.region),
    allowedDomains: [...input.allowedDomains],
    enabled: true,
    planId: null,
    secrets: [{ secretId: input.secretId, createTime: input.now, lastUsedTime: null }],
    keys: [],
    tokenLifetimeSeconds: input.tokenLifetimeSeconds,
    tokenEndpointAuthMethod: null,
    createTime: input.now,
    updateTime: input.now,
    lastUsedTime: null,
  };
}

/** Enables or disables; enabling an app that accepts no live credential is refused (LAST_CREDENTIAL). */
export function setAppEnabled(app: App, enabled: boolean, now: Date): AppChange {
  if (app.enabled === enabled) return { app, changed: false };
  const next = { ...app, enabled, updateTime: now };
  checkCredentialsRemain(next, "enabling it");
  return { app: next, changed: true };
}

/**
 * The fields UpdateApp may change; `undefined` leaves a field as it is (it was not in the mask),
 * null (lifetime, method) restores the default. Keys-only authentication is refused for an
 * enabled app with no key (LAST_CREDENTIAL): it could not authenticate at all.
 */
export function updateApp(
  app: App,
  patch: {
    displayName?: string;
    allowedDomains?: readonly string[];
    tokenLifetimeSeconds?: number | null;
    tokenEndpointAuthMethod?: TokenEndpointAuthMethod | null;
  },
  now: Date,
): AppChange {
  const next: App = {
    ...app,
    displayName: patch.displayName ?? app.displayName,
    allowedDomains: [...(patch.allowedDomains ?? app.allowedDomains)],
    tokenLifetimeSeconds: patch.tokenLifetimeSeconds !== undefined ? patch.tokenLifetimeSeconds : app.tokenLifetimeSeconds,
    tokenEndpointAuthMethod: patch.tokenEndpointAuthMethod !== undefined ? patch.tokenEndpointAuthMethod : app.tokenEndpointAuthMethod,
  };
  const same =
    next.displayName === app.displayName &&
    sameList(next.allowedDomains, app.allowedDomains) &&
    next.tokenLifetimeSeconds === app.tokenLifetimeSeconds &&
    next.tokenEndpointAuthMethod === app.tokenEndpointAuthMethod;
  if (same) return { app, changed: false };
  if (next.tokenEndpointAuthMethod !== app.tokenEndpointAuthMethod) checkCredentialsRemain(next, "accepting keys only");
  return { app: { ...next, updateTime: now }, changed: true };
}

/** Places the app in `region` (null removes it) and restamps its database code from the region. */
export function setAppLicenseRegion(app: App, region: LicenseRegion | null, now: Date): AppChange {
  const stamp = region ? stampOf(region) : { licenseRegion: null, databaseCode: null };
  if (stamp.licenseRegion === app.licenseRegion && stamp.databaseCode === app.databaseCode) return { app, changed: false };
  return { app: { ...app, ...stamp, updateTime: now }, changed: true };
}

function stampOf(region: LicenseRegion): { licenseRegion: string; databaseCode: string | null } {
  return { licenseRegion: region.code, databaseCode: region.databaseCode };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
