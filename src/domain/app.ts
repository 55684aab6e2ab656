/**
 * Apps as pure decisions: creation, the changes a caller may make, and stamping from a license
 * region. No I/O, no clock, no randomness (ids, client ids and secrets are passed in).
 *
 * Stamping: an app records its region's code and that region's database code at the time it is
 * placed in the region. An app whose region had no database code yet is stamped later, when the
 * operator sets the code. An app stamped once keeps its database code if the region's code later
 * changes (its data lives there); SetAppLicenseRegion restamps explicitly.
 */
import type { LicenseRegion } from "./license-region.js";

export interface AppSecretDescriptor {
  readonly secretId: string;
  /** Grows by one with every regeneration; caches of verified secrets key on it. */
  readonly version: number;
  readonly createTime: Date;
  readonly lastUsedTime: Date | null;
}

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
  readonly secret: AppSecretDescriptor;
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
    secret: { secretId: input.secretId, version: 1, createTime: input.now, lastUsedTime: null },
    createTime: input.now,
    updateTime: input.now,
    lastUsedTime: null,
  };
}

export function setAppEnabled(app: App, enabled: boolean, now: Date): AppChange {
  if (app.enabled === enabled) return { app, changed: false };
  return { app: { ...app, enabled, updateTime: now }, changed: true };
}

export function updateApp(
  app: App,
  patch: { displayName?: string; allowedDomains?: readonly string[] },
  now: Date,
): AppChange {
  const displayName = patch.displayName ?? app.displayName;
  const allowedDomains = patch.allowedDomains ?? app.allowedDomains;
  const same = displayName === app.displayName && sameList(allowedDomains, app.allowedDomains);
  if (same) return { app, changed: false };
  return { app: { ...app, displayName, allowedDomains: [...allowedDomains], updateTime: now }, changed: true };
}

/** A new secret replaces the old one at once: new id, next version, never used. */
export function replaceAppSecret(app: App, secretId: string, now: Date): App {
  return {
    ...app,
    secret: { secretId, version: app.secret.version + 1, createTime: now, lastUsedTime: null },
    updateTime: now,
  };
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
