/**
 * Which tenant the console shows: a disclosure (<details>) listing the person's tenants from
 * ListTenants as plain links, so it works with a keyboard and a screen reader as any link list
 * does, and arrowing through it never navigates by accident. An operator's list is every tenant:
 * the first 100 are offered here, the operator pages list them all.
 */
import { useQuery } from "@connectrpc/connect-query";
import { useEffect, useRef } from "react";
import { Link, useLocation } from "react-router";
import { TenantService } from "../api/proto";

export function TenantSwitcher({ currentTenantId }: { currentTenantId: string | undefined }) {
  const tenants = useQuery(TenantService.method.listTenants, { pageSize: 100 });
  const ref = useRef<HTMLDetailsElement>(null);
  const location = useLocation();
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [location.pathname]);

  const list = tenants.data?.tenants ?? [];
  if (list.length === 0) return <div className="switcher" />;
  const current = list.find((t) => t.tenantId === currentTenantId);
  const label = current?.displayName ?? (currentTenantId ? "Another tenant" : "Choose a tenant");
  return (
    <details
      className="switcher"
      ref={ref}
      onKeyDown={(e) => {
        if (e.key === "Escape" && ref.current?.open) {
          ref.current.open = false;
          ref.current.querySelector("summary")?.focus();
        }
      }}
    >
      <summary className="switcher-summary">
        <span className="visually-hidden">Tenant: </span>
        <span className="switcher-current">{label}</span>
        <span className="switcher-caret" aria-hidden="true" />
      </summary>
      <ul className="switcher-menu">
        {list.map((t) => (
          <li key={t.tenantId}>
            <Link to={`/tenants/${t.tenantId}`} aria-current={t.tenantId === currentTenantId ? "true" : undefined}>
              {t.displayName}
            </Link>
          </li>
        ))}
        <li className="switcher-divider">
          <Link to="/tenants/new">Register a tenant…</Link>
        </li>
      </ul>
    </details>
  );
}
