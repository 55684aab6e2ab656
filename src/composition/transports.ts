/**
 * Composition, step 3: what the port serves. The RPCs (Connect, gRPC, gRPC-Web) behind their
 * interceptors, the OAuth shim, sign-in (and development sign-in's provider, when offered), health
 * and metrics, all as routes of one routing table.
 */
import { createConnectRouter, createContextValues } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { Config } from "../config.js";
import type { Principal } from "../domain/principal.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { isSessionToken } from "../services/session-service.js";
import { sourceAddressKey } from "../transport/connect/context.js";
import type { Readiness } from "../services/readiness.js";
import { authorizeInterceptor, observeInterceptor, type Authenticator } from "../transport/connect/interceptors.js";
import { connectRoutes } from "../transport/connect/routes.js";
import { rpcRoutes } from "../transport/connect/rpc-routes.js";
import { authRoutes } from "../transport/http/auth-routes.js";
import { dashboardFiles } from "../transport/http/dashboard.js";
import { developmentSignInRoutes } from "../transport/http/development-sign-in-routes.js";
import { oauthEndpoints } from "../transport/http/oauth-endpoints.js";
import { oauthRoutes } from "../transport/http/oauth-routes.js";
import { opsRoutes } from "../transport/http/ops-routes.js";
import { sourceAddressResolver } from "../transport/http/request-source.js";
import { notFound, routingTable, type RequestListener } from "../transport/http/routing-table.js";
import type { Services } from "./services.js";

export interface TransportOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly readiness: Readiness;
  /** ISSUER as served. */
  readonly publicUrl: string;
  /** Aborted when the server shuts down: streaming RPCs end. */
  readonly shutdownSignal: AbortSignal;
}

export function createRequestListener(services: Services, options: TransportOptions): RequestListener {
  const { config, logger, metrics, publicUrl } = options;
  // Every interface keys throttling on the same address (X-Forwarded-For only from trusted proxies).
  const sourceAddressOf = sourceAddressResolver(config.trustedProxies);

  const authenticator: Authenticator = {
    async authenticate(token, sourceAddress): Promise<Principal | undefined> {
      // Session tokens are recognised by their prefix, so they never cost an argon2 check.
      if (isSessionToken(token)) return services.sessions.authenticate(token);
      const operatorTokenId = await services.operators.authenticate(token, sourceAddress);
      return operatorTokenId === undefined ? undefined : { kind: "operator", via: "operator_token", operatorTokenId };
    },
  };
  const router = createConnectRouter({
    interceptors: [observeInterceptor(logger, metrics), authorizeInterceptor(authenticator)],
    readMaxBytes: config.maxMessageBytes,
    writeMaxBytes: 16 * 1024 * 1024,
    compressMinBytes: 1024,
    acceptCompression: [compressionGzip, compressionBrotli],
    // Unknown fields and enum names are refused (INVALID_ARGUMENT) rather than silently dropped.
    jsonOptions: { ignoreUnknownFields: false },
    shutdownSignal: options.shutdownSignal,
  });
  connectRoutes({ ...services, readiness: options.readiness })(router);

  return routingTable({
    logger,
    metrics,
    // What no route takes: the dashboard's files and deep links, else the API's 404.
    notFound: dashboardFiles({ dir: config.dashboardDir, notFound }),
    routes: [
      ...opsRoutes({ readiness: options.readiness, metrics }),
      ...oauthRoutes({
        issuer: publicUrl,
        jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
        endpoints: oauthEndpoints({ issuer: services.tokenIssuer, operators: services.operators, signingKeys: services.signingKeys }),
        sourceAddressOf,
      }),
      ...authRoutes({
        signIn: services.signIn,
        sessions: services.sessions,
        publicUrl,
        secureCookies: Boolean(config.tls) || publicUrl.startsWith("https:"),
        logger,
        sourceAddressOf,
        signInMode: services.developmentProvider ? "development" : services.signIn.configured ? "provider" : "unavailable",
      }),
      ...(services.developmentProvider ? developmentSignInRoutes(services.developmentProvider) : []),
      ...rpcRoutes({
        router,
        logger,
        contextValues: (req) => createContextValues().set(sourceAddressKey, sourceAddressOf(req)),
      }),
    ],
  });
}
