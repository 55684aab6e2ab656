/**
 * The operator pages, a chunk of their own (loaded only when an operator opens one). Shown to
 * sessions the server marks as operators (OPERATOR_EMAILS); the server checks every call anyway.
 */
import { Navigate, Route, Routes } from "react-router";
import { useSignedIn } from "../../api/hooks";
import { PageHeader, usePageTitle } from "../../components/PageTitle";
import { NotFound } from "../../components/Status";
import { OutboxPage } from "./OutboxPage";
import { PlansPage } from "./PlansPage";
import { RegionsPage } from "./RegionsPage";
import { SigningKeysPage } from "./SigningKeysPage";
import { TenantsPage } from "./TenantsPage";

export default function OperatorRoutes() {
  const me = useSignedIn();
  if (!me.operator) return <OperatorsOnly />;
  return (
    <Routes>
      <Route index element={<Navigate to="tenants" replace />} />
      <Route path="tenants" element={<TenantsPage />} />
      <Route path="plans" element={<PlansPage />} />
      <Route path="regions" element={<RegionsPage />} />
      <Route path="signing-keys" element={<SigningKeysPage />} />
      <Route path="outbox" element={<OutboxPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function OperatorsOnly() {
  usePageTitle("Operators only");
  return (
    <section className="page">
      <PageHeader title="Operators only" />
      <p>These pages are for the platform's operators. Your account is not one.</p>
    </section>
  );
}
