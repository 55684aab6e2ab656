/**
 * One app: readiness first (would it get a token now?), then what can be changed — name and
 * domains, on/off, client secrets, public keys, token lifetime, region, plan — and deleting it last.
 */
import { useQuery } from "@connectrpc/connect-query";
import { Link, useParams } from "react-router";
import { AppService } from "../api/proto";
import { useAppReadiness } from "../api/readiness";
import { EnabledBadge } from "../components/Badge";
import { CopyableCode } from "../components/CopyButton";
import { PageHeader, usePageTitle } from "../components/PageTitle";
import { ReadinessPanel } from "../components/ReadinessPanel";
import { QueryView } from "../components/Status";
import { durationSeconds } from "../lib/lifetime";
import { AccessCard } from "./app/AccessCard";
import { CredentialsCard } from "./app/CredentialsCard";
import { DangerZone } from "./app/DangerZone";
import { DetailsForm } from "./app/DetailsForm";
import { KeysCard } from "./app/KeysCard";
import { LifetimeCard } from "./app/LifetimeCard";
import { PlanCard } from "./app/PlanCard";
import { RegionCard } from "./app/RegionCard";
import { useTenant } from "./tenant-context";

export function AppPage() {
  const { appId = "" } = useParams();
  const { tenant, isOwner, isOperator } = useTenant();
  const app = useQuery(AppService.method.getApp, { appId });
  const readiness = useAppReadiness(appId);
  // How long a token issued now lives, as the server says: what "default" is on this server.
  const effectiveLifetime = readiness.status === "ready" ? durationSeconds(readiness.readiness.tokenLifetime) : undefined;
  usePageTitle(app.data?.app?.displayName ?? "App");
  const backToApps = <Link to={`/tenants/${tenant.tenantId}/apps`}>Back to apps</Link>;

  return (
    <section className="page">
      <QueryView query={app} what="the app">
        {(data) => {
          const a = data.app;
          // An app of another tenant is not this page's: the URL was edited or pasted.
          if (!a || a.tenantId !== tenant.tenantId) {
            return (
              <>
                <PageHeader title="App not found" subtitle={backToApps} />
                <p>This tenant has no such app.</p>
              </>
            );
          }
          return (
            <>
              <PageHeader
                title={a.displayName}
                subtitle={
                  <span className="subtitle-row">
                    <EnabledBadge enabled={a.enabled} /> {backToApps}
                  </span>
                }
              />
              <div className="card">
                <dl className="facts">
                  <div className="fact-wide">
                    <dt>Client ID</dt>
                    <dd>
                      <CopyableCode value={a.clientId} label="Copy the client ID" />
                    </dd>
                  </div>
                  <div>
                    <dt>App ID</dt>
                    <dd>
                      <code className="break">{a.appId}</code>
                    </dd>
                  </div>
                </dl>
              </div>
              <ReadinessPanel result={readiness} />
              <DetailsForm app={a} />
              <AccessCard app={a} />
              <CredentialsCard app={a} />
              <KeysCard app={a} />
              <LifetimeCard app={a} effectiveSeconds={effectiveLifetime} />
              <RegionCard app={a} canChange={isOperator} />
              <PlanCard app={a} canAssign={isOwner} isOperator={isOperator} />
              <DangerZone app={a} canDelete={isOwner} />
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
