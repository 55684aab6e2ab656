/** App and license region conversions between the domain and the wire. */
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { App, AppKeyDescriptor, AppSecretDescriptor } from "../../domain/app.js";
import type { LicenseRegion, LicenseRegionState } from "../../domain/license-region.js";
import type { ReadinessCheckState, TokenReadiness } from "../../domain/token-issuance.js";
import {
  AppKeySchema,
  AppSchema,
  AppSecretSchema,
  LicenseRegionSchema,
  LicenseRegionState as PbLicenseRegionState,
  ReadinessCheckSchema,
  ReadinessCheckState as PbReadinessCheckState,
  ReadinessVerdict,
  type App as PbApp,
  type AppKey as PbAppKey,
  type AppSecret as PbAppSecret,
  type LicenseRegion as PbLicenseRegion,
} from "../../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { GetAppReadinessResponseSchema, type GetAppReadinessResponse } from "../../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { ts } from "./tenant-mapper.js";

const REGION_STATE_TO_PB: Readonly<Record<LicenseRegionState, PbLicenseRegionState>> = {
  ACTIVE: PbLicenseRegionState.ACTIVE,
  RETIRED: PbLicenseRegionState.RETIRED,
};

export function toAppSecretProto(s: AppSecretDescriptor): PbAppSecret {
  return create(AppSecretSchema, { secretId: s.secretId, createTime: ts(s.createTime), lastUsedTime: ts(s.lastUsedTime) });
}

export function toAppKeyProto(k: AppKeyDescriptor): PbAppKey {
  return create(AppKeySchema, {
    keyId: k.keyId,
    algorithm: k.algorithm,
    publicJwkJson: JSON.stringify(k.publicJwk),
    createTime: ts(k.createTime),
    lastUsedTime: ts(k.lastUsedTime),
  });
}

/** The app as callers see it: never a secret, only the secrets' descriptors. */
export function toAppProto(a: App): PbApp {
  return create(AppSchema, {
    appId: a.appId,
    tenantId: a.tenantId,
    displayName: a.displayName,
    clientId: a.clientId,
    licenseRegion: a.licenseRegion ?? "",
    databaseCode: a.databaseCode ?? "",
    allowedDomains: [...a.allowedDomains],
    enabled: a.enabled,
    planId: a.planId ?? "",
    createTime: ts(a.createTime),
    updateTime: ts(a.updateTime),
    lastUsedTime: ts(a.lastUsedTime),
    secrets: a.secrets.map(toAppSecretProto),
    tokenLifetime: a.tokenLifetimeSeconds === null ? undefined : durationFromMs(a.tokenLifetimeSeconds * 1000),
    tokenEndpointAuthMethod: a.tokenEndpointAuthMethod ?? "",
    keys: a.keys.map(toAppKeyProto),
  });
}

export function toLicenseRegionProto(r: LicenseRegion): PbLicenseRegion {
  return create(LicenseRegionSchema, {
    code: r.code,
    displayName: r.displayName,
    aliases: [...r.aliases],
    databaseCode: r.databaseCode ?? "",
    state: REGION_STATE_TO_PB[r.state],
    createTime: ts(r.createTime),
    updateTime: ts(r.updateTime),
  });
}

const CHECK_STATE_TO_PB: Readonly<Record<ReadinessCheckState, PbReadinessCheckState>> = {
  PASSED: PbReadinessCheckState.PASSED,
  FAILED: PbReadinessCheckState.FAILED,
  NOT_APPLICABLE: PbReadinessCheckState.NOT_APPLICABLE,
};

export function toReadinessProto(r: TokenReadiness): GetAppReadinessResponse {
  return create(GetAppReadinessResponseSchema, {
    verdict: r.refusal ? ReadinessVerdict.REFUSED : ReadinessVerdict.ISSUED,
    refusalReason: r.refusal?.reason ?? "",
    refusalMessage: r.refusal?.description ?? "",
    checks: r.checks.map((c) => create(ReadinessCheckSchema, { name: c.name, state: CHECK_STATE_TO_PB[c.state], description: c.description })),
  });
}
