/**
 * The app's shell: who is signed in decides between the sign-in page and the console; the
 * console's pages hang off the routes below (deep links work: the server answers every page path
 * with index.html). Operator pages are a separate chunk, loaded only when an operator opens one.
 */
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router";
import { toProblem } from "./api/errors";
import { SignedInContext, useSessionQuery } from "./api/hooks";
import { Layout } from "./components/Layout";
import { ErrorAlert, Loading, NotFound } from "./components/Status";
import { AppPage } from "./pages/AppPage";
import { AppsPage } from "./pages/AppsPage";
import { CreateAppPage } from "./pages/CreateAppPage";
import { HomeRedirect } from "./pages/HomeRedirect";
import { RegisterTenantPage } from "./pages/RegisterTenantPage";
import { SessionsPage } from "./pages/SessionsPage";
import { SignInPage } from "./pages/SignInPage";
import { TenantLayout } from "./pages/TenantLayout";
import { TenantOverviewPage } from "./pages/TenantOverviewPage";

const OperatorRoutes = lazy(() => import("./pages/operator/OperatorRoutes"));

export function App() {
  const session = useSessionQuery();
  if (session.isPending) {
    return (
      <main className="center-page">
        <Loading what="your session" />
      </main>
    );
  }
  if (session.isError) {
    return (
      <main className="center-page">
        <ErrorAlert problem={toProblem(session.error)} retry={() => void session.refetch()} />
      </main>
    );
  }
  if (session.data.person === null) return <SignInPage mode={session.data.signIn} />;
  return (
    <SignedInContext.Provider value={session.data.person}>
      <Layout>
        <Routes>
          <Route index element={<HomeRedirect />} />
          <Route path="tenants/new" element={<RegisterTenantPage />} />
          <Route path="tenants/:tenantId" element={<TenantLayout />}>
            <Route index element={<TenantOverviewPage />} />
            <Route path="apps" element={<AppsPage />} />
            <Route path="apps/new" element={<CreateAppPage />} />
            <Route path="apps/:appId" element={<AppPage />} />
          </Route>
          <Route path="sessions" element={<SessionsPage />} />
          <Route
            path="operator/*"
            element={
              <Suspense fallback={<Loading what="the operator pages" />}>
                <OperatorRoutes />
              </Suspense>
            }
          />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Layout>
    </SignedInContext.Provider>
  );
}
