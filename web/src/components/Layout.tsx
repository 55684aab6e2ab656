/**
 * The signed-in frame: a skip link, the header (product, tenant switcher, who is signed in,
 * sign-out), the navigation (the tenant's pages, the account, and for operators their pages) and
 * the page itself. On a narrow screen the navigation wraps above the page.
 */
import { useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { NavLink, useMatch } from "react-router";
import { type Problem, toProblem } from "../api/errors";
import { useSignedIn } from "../api/hooks";
import { SESSION_KEY } from "../api/query-client";
import { signOut } from "../api/session";
import { LAST_TENANT_KEY } from "../lib/tenant-choice";
import { ErrorAlert } from "./Status";
import { TenantSwitcher } from "./TenantSwitcher";

export function Layout({ children }: { children: ReactNode }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const match = useMatch("/tenants/:tenantId/*");
  const urlTenant = match?.params.tenantId !== "new" ? match?.params.tenantId : undefined;
  const tenantId = urlTenant ?? localStorage.getItem(LAST_TENANT_KEY) ?? undefined;
  const [signingOut, setSigningOut] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const doSignOut = async () => {
    setSigningOut(true);
    setProblem(null);
    try {
      await signOut();
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, null);
    } catch (err) {
      setProblem(toProblem(err));
      setSigningOut(false);
    }
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="TrueParser console, start page">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          <span className="brand-name">TrueParser</span>
          <span className="brand-sub">console</span>
        </NavLink>
        <TenantSwitcher currentTenantId={tenantId} />
        <div className="account">
          <span className="account-email" title={me.email}>
            <span className="account-email-text">{me.email}</span>
            {me.operator && <span className="badge badge-info account-role">Operator</span>}
          </span>
          <button type="button" className="button button-small" onClick={() => void doSignOut()} disabled={signingOut}>
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
        </div>
      </header>
      <div className="frame">
        <nav className="sidenav" aria-label="Console">
          {tenantId && (
            <NavSection title="Tenant">
              <NavItem to={`/tenants/${tenantId}`} end>
                Overview
              </NavItem>
              <NavItem to={`/tenants/${tenantId}/apps`}>Apps</NavItem>
            </NavSection>
          )}
          <NavSection title="Account">
            {!tenantId && <NavItem to="/tenants/new">Register a tenant</NavItem>}
            <NavItem to="/sessions">Sessions</NavItem>
          </NavSection>
          {me.operator && (
            <NavSection title="Operator">
              <NavItem to="/operator/tenants">Tenants</NavItem>
              <NavItem to="/operator/plans">Plans</NavItem>
              <NavItem to="/operator/regions">License regions</NavItem>
              <NavItem to="/operator/signing-keys">Signing keys</NavItem>
              <NavItem to="/operator/outbox">E-mail outbox</NavItem>
            </NavSection>
          )}
        </nav>
        <main id="main" className="content" tabIndex={-1}>
          {problem && <ErrorAlert problem={problem} />}
          {children}
        </main>
      </div>
    </div>
  );
}

function NavSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="nav-section">
      <p className="nav-title">{title}</p>
      <ul>{children}</ul>
    </div>
  );
}

function NavItem({ to, end, children }: { to: string; end?: boolean; children: ReactNode }) {
  return (
    <li>
      <NavLink to={to} end={end} className="nav-link">
        {children}
      </NavLink>
    </li>
  );
}
