/** AppService over Connect/gRPC/gRPC-Web: convert, call the service, convert back. */
import type { ServiceImpl } from "@connectrpc/connect";
import type { AppService, AppWithSecret } from "../../services/app-service.js";
import type { IdempotentRequests } from "../../services/idempotent-requests.js";
import type { LicenseRegion } from "../../domain/license-region.js";
import type { LicenseRegionService } from "../../services/license-region-service.js";
import type { AppService as AppServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import type { LicenseRegion as PbLicenseRegion } from "../../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { toAppProto, toLicenseRegionProto, toReadinessProto } from "./app-mapper.js";
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

const withSecret = ({ app, clientSecret }: AppWithSecret) => ({ app: toAppProto(app), clientSecret });

export function appHandlers(apps: AppService, regions: LicenseRegionService, requests: IdempotentRequests): ServiceImpl<typeof AppServiceDesc> {
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
      return answerOnce(requests, ctx, ONCE_RPCS.createApp, req, withSecret, (record) =>
        apps.create(
          callerOf(ctx),
          { tenantId: req.tenantId, displayName: req.displayName, licenseRegion: req.licenseRegion, allowedDomains: req.allowedDomains },
          record,
        ),
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
      return answerOnce(requests, ctx, ONCE_RPCS.regenerateAppSecret, req, withSecret, (record) =>
        apps.regenerateSecret(callerOf(ctx), req.appId, record),
      );
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
