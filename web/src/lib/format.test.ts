import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { OutboxMessageState, TenantState } from "../api/proto";
import { actionLabel, actorLabel, dateOf, describeUserAgent, enumLabel, formatDateTime, monthlyUnits, relativeTime } from "./format";

describe("times", () => {
  const now = new Date("2026-03-12T14:05:00Z");

  it("reads a protobuf Timestamp as a Date, and absent as undefined", () => {
    expect(dateOf(timestampFromDate(now))?.toISOString()).toBe(now.toISOString());
    expect(dateOf(undefined)).toBeUndefined();
  });

  it("formats in the given locale and zone", () => {
    expect(formatDateTime(now, "en-GB", "UTC")).toBe("12 Mar 2026, 14:05");
  });

  it("says how long ago in the largest whole unit", () => {
    const ago = (seconds: number) => relativeTime(new Date(now.getTime() - seconds * 1000), now);
    expect(ago(10)).toBe("just now");
    expect(ago(5 * 60)).toBe("5 minutes ago");
    expect(ago(3 * 3600 + 59 * 60)).toBe("3 hours ago");
    expect(ago(24 * 3600)).toBe("yesterday");
    expect(ago(40 * 24 * 3600)).toBe("last month");
    expect(relativeTime(new Date(now.getTime() + 2 * 3600 * 1000), now)).toBe("in 2 hours");
  });
});

describe("labels", () => {
  it("turns generated enum values into words", () => {
    expect(enumLabel(TenantState, TenantState.PENDING_ACTIVATION)).toBe("Pending activation");
    expect(enumLabel(OutboxMessageState, OutboxMessageState.DEAD)).toBe("Dead");
    expect(enumLabel(TenantState, TenantState.UNSPECIFIED)).toBe("Unknown");
    expect(enumLabel(TenantState, 99)).toBe("Unknown");
  });

  it("names audit actions and actors", () => {
    expect(actionLabel("trueparser.controlplane.v1.TenantService/ActivateTenant")).toBe("Activate tenant");
    expect(actionLabel("trueparser.controlplane.v1.AppService/RegenerateAppSecret")).toBe("Regenerate app secret");
    expect(actorLabel("user:ops@acme.example")).toBe("ops@acme.example");
    expect(actorLabel("operator:0190f0a4-5b6c-7d8e-9f00-112233445566")).toBe("Operator (token …5566)");
    expect(actorLabel("operator:ops@trueparser.example")).toBe("ops@trueparser.example (operator)");
  });

  it("writes Document Units with separators", () => {
    expect(monthlyUnits(1000n)).toBe("1,000 DU / month");
    expect(monthlyUnits(9007199254740993n)).toBe("9,007,199,254,740,993 DU / month");
  });

  it("summarises a User-Agent header", () => {
    expect(describeUserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36")).toBe(
      "Chrome on Linux",
    );
    expect(describeUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15")).toBe(
      "Safari on macOS",
    );
    expect(describeUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36 Edg/120")).toBe(
      "Edge on Windows",
    );
    expect(describeUserAgent("curl/8.5.0")).toBe("curl/8.5.0");
  });
});
