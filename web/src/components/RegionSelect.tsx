/** A license region picked from ListLicenseRegions, each shown with its code, name, aliases and database. */
import { useQuery } from "@connectrpc/connect-query";
import { type LicenseRegion, AppService } from "../api/proto";
import { type ControlProps } from "./Field";

export function regionLabel(r: LicenseRegion): string {
  const aliases = r.aliases.length > 0 ? ` (also ${r.aliases.join(", ")})` : "";
  const db = r.databaseCode ? ` · database ${r.databaseCode}` : " · no database yet";
  return `${r.code} — ${r.displayName}${aliases}${db}`;
}

export function useRegions() {
  return useQuery(AppService.method.listLicenseRegions, { pageSize: 1000 });
}

export function RegionSelect({
  control,
  value,
  onChange,
  regions,
  emptyLabel = "Choose a region",
}: {
  control: ControlProps;
  value: string;
  onChange: (code: string) => void;
  regions: readonly LicenseRegion[];
  emptyLabel?: string;
}) {
  return (
    <select {...control} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{emptyLabel}</option>
      {regions.map((r) => (
        <option key={r.code} value={r.code}>
          {regionLabel(r)}
        </option>
      ))}
    </select>
  );
}
