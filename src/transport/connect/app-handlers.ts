/** AppService over Connect/gRPC/gRPC-Web: convert, call the service, convert back. */
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AddedKey, AddedSecret, AppCredentialService } from "../../services/app-credential-service.js";
import type { AppService, AppWithSecret, DurationInput } from "../../services/app-service.js";
import type { IdempotentRequests } from "../../services/idempotent-requests.js";
import type { LicenseRegion } from "../../domain/license-region.js";
import type { LicenseRegionService } from "../../services/license-region-service.js";
import type { AppService as AppServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import type { LicenseRegion as PbLicenseRegion } from "../../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { toAppKeyProto, toAppProto, toAppSecretProto, toLicenseRegionProto, toReadinessProto } from "./app-mapper.js";
import { callerOf } from "./context.js";
import { answerOnce, ONCE_RPCS } from "./request-replay.js";

function regionInput(r: PbLicenseRegion | undefined) {
  return {
    code: r?.code ?? "",
    displayName: r?.displayName ?? "",
    aliases: r?.aliases ?? [],
    databaseCode: r?.databaseCode ?? "",
  };
}

/** An unset Duration is undefined (the default); seconds beyond 2^53 become unsafe and are refused. */
function durationInput(d: Duration | undefined): DurationInput {
  return d && { seconds: Number(d.seconds), nanos: d.nanos };
}

const withSecret = ({ app, clientSecret }: AppWithSecret) => ({ app: toAppProto(app), clientSecret });

export function appHandlers(
  apps: AppService,
  regions: LicenseRegionService,
  requests: IdempotentRequests,
  credentials: AppCredentialService,
): ServiceImpl<typeof AppServiceDesc> {
  /** A retry's first answer (a secret, a key): only for a caller who may still see the app. */
  const stillSeesApp = (ctx: HandlerContext) => async (first: { app?: { appId: string } }) => {
    await apps.get(callerOf(ctx), first.app?.appId ?? "");
  };
  return {
    async listLicenseRegions(req) {
      const page = await regions.list({ pageSize: req.pageSize, pageToken: req.pageToken, showRetired: req.showRetired });
      return { licenseRegions: page.items.map(toLicenseRegionProto), nextPageToken: page.nextPageToken };
    },
    createLicenseRegion(req, ctx) {
      return answerOnce(requests, ctx, ONCE_RPCS.createLicenseRegion, req, (r: LicenseRegion) => ({ licenseRegion: toLicenseRegionProto(r) }), (record) =>
        regions.create(callerOf(ctx), regionInput(req.licenseRegion), record),
      );
    },
    async updateLicenseRegion(req, ctx) {
      const region = await regions.update(callerOf(ctx), { ...regionInput(req.licenseRegion), paths: req.updateMask?.paths });
      return { licenseRegion: toLicenseRegionProto(region) };
    },
    async retireLicenseRegion(req, ctx) {
      return { licenseRegion: toLicenseRegionProto(await regions.retire(callerOf(ctx), req.code)) };
    },
    createApp(req, ctx) {
      return answerOnce(
        requests,
        ctx,
        ONCE_RPCS.createApp,
        req,
        withSecret,
        (record) =>
          apps.create(
            callerOf(ctx),
            {
              tenantId: req.tenantId,
              displayName: req.displayName,
              licenseRegion: req.licenseRegion,
              allowedDomains: req.allowedDomains,
              tokenLifetime: durationInput(req.tokenLifetime),
            },
            record,
          ),
        stillSeesApp(ctx),
      );
    },
    async getApp(req, ctx) {
      return { app: toAppProto(await apps.get(callerOf(ctx), req.appId)) };
    },
    async getAppReadiness(req, ctx) {
      return toReadinessProto(await apps.readiness(callerOf(ctx), req.appId));
    },
    async listApps(req, ctx) {
      const page = await apps.list(callerOf(ctx), { tenantId: req.tenantId, pageSize: req.pageSize, pageToken: req.pageToken });
      return { apps: page.items.map(toAppProto), nextPageToken: page.nextPageToken };
    },
    async updateApp(req, ctx) {
      const app = await apps.update(callerOf(ctx), {
        appId: req.app?.appId ?? "",
        paths: req.updateMask?.paths,
        displayName: req.app?.displayName ?? "",
        allowedDomains: req.app?.allowedDomains ?? [],
        tokenLifetime: durationInput(req.app?.tokenLifetime),
        tokenEndpointAuthMethod: req.app?.tokenEndpointAuthMethod ?? "",
      });
      return { app: toAppProto(app) };
    },
    async enableApp(req, ctx) {
      return { app: toAppProto(await apps.enable(callerOf(ctx), req.appId)) };
    },
    async disableApp(req, ctx) {
      return { app: toAppProto(await apps.disable(callerOf(ctx), req.appId)) };
    },
    regenerateAppSecret(req, ctx) {
      return answerOnce(
        requests,
        ctx,
        ONCE_RPCS.regenerateAppSecret,
        req,
        withSecret,
        (record) => apps.regenerateSecret(callerOf(ctx), req.appId, record),
        stillSeesApp(ctx),
      );
    },
    addAppSecret(req, ctx) {
      return answerOnce(
        requests,
        ctx,
        ONCE_RPCS.addAppSecret,
        req,
        ({ app, clientSecret, secret }: AddedSecret) => ({ app: toAppProto(app), clientSecret, secret: toAppSecretProto(secret) }),
        (record) => credentials.addSecret(callerOf(ctx), req.appId, record),
        stillSeesApp(ctx),
      );
    },
    async revokeAppSecret(req, ctx) {
      return { app: toAppProto(await credentials.revokeSecret(callerOf(ctx), { appId: req.appId, secretId: req.secretId })) };
    },
    addAppKey(req, ctx) {
      return answerOnce(
        requests,
        ctx,
        ONCE_RPCS.addAppKey,
        req,
        ({ app, key }: AddedKey) => ({ app: toAppProto(app), key: toAppKeyProto(key) }),
        (record) => credentials.addKey(callerOf(ctx), { appId: req.appId, jwk: req.jwk }, record),
        stillSeesApp(ctx),
      );
    },
    async removeAppKey(req, ctx) {
      return { app: toAppProto(await credentials.removeKey(callerOf(ctx), { appId: req.appId, keyId: req.keyId })) };
    },
    async setAppLicenseRegion(req, ctx) {
      return { app: toAppProto(await apps.setLicenseRegion(callerOf(ctx), { appId: req.appId, licenseRegion: req.licenseRegion })) };
    },
    async deleteApp(req, ctx) {
      await apps.delete(callerOf(ctx), req.appId);
      return {};
    },
  };
}
