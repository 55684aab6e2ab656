/** Registers every service on one Connect router, behind the interceptors. */
import type { ConnectRouter } from "@connectrpc/connect";
import { Health } from "../../../gen/ts/grpc/health/v1/health_pb.js";
import { AppService } from "../../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { OutboxService as OutboxServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/outbox_service_pb.js";
import { PlanService } from "../../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TenantService as TenantServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TokenService } from "../../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import type { AppCredentialService } from "../../services/app-credential-service.js";
import type { AppService as AppServiceImpl } from "../../services/app-service.js";
import type { LicenseRegionService } from "../../services/license-region-service.js";
import type { OutboxService } from "../../services/outbox-service.js";
import type { PlanAssignment } from "../../services/plan-assignment.js";
import type { PlanService as Plans } from "../../services/plan-service.js";
import type { TokenIssuer } from "../../services/token-issuer.js";
import type { SigningKeys } from "../../services/signing-keys.js";
import type { TenantService } from "../../services/tenant-service.js";
import type { IdempotentRequests } from "../../services/idempotent-requests.js";
import { assertPolicyCovers } from "./access-policy.js";
import { appHandlers } from "./app-handlers.js";
import { healthHandlers, type Readiness } from "./health-handlers.js";
import { outboxHandlers } from "./outbox-handlers.js";
import { planHandlers } from "./plan-handlers.js";
import { tokenHandlers } from "./token-handlers.js";
import { tenantHandlers } from "./tenant-handlers.js";

export const SERVED_SERVICES = [Health, TenantServiceDesc, AppService, PlanService, TokenService, OutboxServiceDesc] as const;

export interface RouteDeps {
  readonly tenants: TenantService;
  readonly apps: AppServiceImpl;
  readonly appCredentials: AppCredentialService;
  readonly licenseRegions: LicenseRegionService;
  readonly plans: Plans;
  readonly planAssignment: PlanAssignment;
  readonly tokenIssuer: TokenIssuer;
  readonly signingKeys: SigningKeys;
  readonly readiness: Readiness;
  readonly outbox: OutboxService;
  /** Retries without duplicates (request_id) for the RPCs that create something or mint a secret. */
  readonly requests: IdempotentRequests;
}

export function connectRoutes(deps: RouteDeps): (router: ConnectRouter) => void {
  assertPolicyCovers(SERVED_SERVICES);
  return (router) => {
    router.service(Health, healthHandlers(deps.readiness, SERVED_SERVICES.map((s) => s.typeName)));
    router.service(TenantServiceDesc, tenantHandlers(deps.tenants, deps.requests));
    router.service(AppService, appHandlers(deps.apps, deps.licenseRegions, deps.requests, deps.appCredentials));
    router.service(PlanService, planHandlers(deps.plans, deps.planAssignment, deps.requests));
    router.service(TokenService, tokenHandlers(deps.signingKeys, deps.tokenIssuer, deps.requests));
    router.service(OutboxServiceDesc, outboxHandlers(deps.outbox));
  };
}
