/** Small coloured labels for states; the colour is never the only signal (the word is always there). */
import { LicenseRegionState, OutboxMessageState, PlanState, SigningKeyState, TenantState } from "../api/proto";
import { enumLabel } from "../lib/format";

type Tone = "good" | "warn" | "bad" | "neutral" | "info";

export function Badge({ tone, children }: { tone: Tone; children: string }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function TenantStateBadge({ state }: { state: TenantState }) {
  const tone: Tone = state === TenantState.ACTIVE ? "good" : state === TenantState.PENDING_ACTIVATION ? "warn" : "bad";
  return <Badge tone={tone}>{enumLabel(TenantState, state)}</Badge>;
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <Badge tone={enabled ? "good" : "bad"}>{enabled ? "Enabled" : "Disabled"}</Badge>;
}

export function PlanStateBadge({ state }: { state: PlanState }) {
  return <Badge tone={state === PlanState.ACTIVE ? "good" : "neutral"}>{enumLabel(PlanState, state)}</Badge>;
}

export function RegionStateBadge({ state }: { state: LicenseRegionState }) {
  return <Badge tone={state === LicenseRegionState.ACTIVE ? "good" : "neutral"}>{enumLabel(LicenseRegionState, state)}</Badge>;
}

export function SigningKeyStateBadge({ state }: { state: SigningKeyState }) {
  const tone: Tone = state === SigningKeyState.ACTIVE ? "good" : state === SigningKeyState.PENDING ? "info" : "neutral";
  return <Badge tone={tone}>{enumLabel(SigningKeyState, state)}</Badge>;
}

export function OutboxStateBadge({ state }: { state: OutboxMessageState }) {
  const tone: Tone = state === OutboxMessageState.SENT ? "good" : state === OutboxMessageState.DEAD ? "bad" : "warn";
  return <Badge tone={tone}>{state === OutboxMessageState.DEAD ? "Dead letter" : enumLabel(OutboxMessageState, state)}</Badge>;
}
