/**
 * The generated contract (gen/ts, from proto/ by `npm run generate`), re-exported from one place so
 * pages import services and messages by name and never hand-write a call. Never edit gen/ts.
 */
export * from "../../../gen/ts/trueparser/controlplane/v1/app_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/outbox_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/outbox_service_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/plan_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/token_pb.js";
export * from "../../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
