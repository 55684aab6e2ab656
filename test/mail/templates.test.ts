/** Every template: subject, text and HTML bodies, escaping, links; unknown or incomplete → permanent. */
import { describe, expect, it } from "vitest";
import { PermanentMailError, renderMail, TEMPLATE_NAMES } from "../../src/mail/templates.js";

const TENANT = { tenant_id: "0190f0a4-5b6c-7d8e-9f00-112233445566", display_name: "Acme Corp" };

describe("mail templates", () => {
  it("cover the four e-mails the control plane sends", () => {
    expect([...TEMPLATE_NAMES].sort()).toEqual(
      ["app_secret_regenerated", "tenant_activated", "tenant_suspended", "tenant_welcome"],
    );
  });

  it.each([
    ["tenant_welcome", TENANT, "Welcome to TrueParser, Acme Corp"],
    ["tenant_activated", { ...TENANT, platform_url: "https://app.trueparser.test" }, "Acme Corp is active on TrueParser"],
    ["tenant_suspended", TENANT, "Acme Corp has been suspended on TrueParser"],
    [
      "app_secret_regenerated",
      { app_id: "0190f0a4-0000-7000-8000-000000000001", display_name: "Billing backend", client_id: "tpc_abc" },
      "Security notice: the client secret of Billing backend was regenerated",
    ],
  ])("%s has its subject and both bodies", (template, params, subject) => {
    const mail = renderMail(template, params);
    expect(mail.subject).toBe(subject);
    expect(mail.text).toMatch(/^Hello,\n\n/);
    expect(mail.html).toContain("<!doctype html>");
    expect(mail.html).toContain(`<title>${subject}</title>`);
  });

  it("puts the platform URL in the activation mail as text and as a link", () => {
    const mail = renderMail("tenant_activated", { ...TENANT, platform_url: "https://app.trueparser.test/?a=1&b=2" });
    expect(mail.text).toContain("https://app.trueparser.test/?a=1&b=2");
    expect(mail.html).toContain('<a href="https://app.trueparser.test/?a=1&amp;b=2">https://app.trueparser.test/?a=1&amp;b=2</a>');
  });

  it("states the security facts in the secret notice", () => {
    const mail = renderMail("app_secret_regenerated", { app_id: "a-1", display_name: "Billing", client_id: "tpc_abc" });
    expect(mail.text).toContain("client id tpc_abc");
    expect(mail.text).toContain("previous secret stopped working immediately");
    expect(mail.text).toContain("App id: a-1");
    expect(mail.text).not.toMatch(/secret: tps_/); // never the secret itself
  });

  it("escapes values in HTML and keeps them on one line in subjects and text", () => {
    const mail = renderMail("tenant_welcome", { ...TENANT, display_name: `<script>alert("x")</script> & 'co'\r\nBcc: evil@x.test` });
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39; Bcc: evil@x.test");
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toContain(`<script>alert("x")</script> & 'co' Bcc: evil@x.test`);
  });

  it("never makes a non-web URL a link", () => {
    const mail = renderMail("tenant_activated", { ...TENANT, platform_url: "javascript:alert(1)" });
    expect(mail.html).not.toContain("<a ");
    expect(mail.html).toContain("<p>javascript:alert(1)</p>");
  });

  it("refuses an unknown template or a missing parameter as a permanent failure", () => {
    expect(() => renderMail("tenant_exploded", TENANT)).toThrow(PermanentMailError);
    expect(() => renderMail("tenant_exploded", TENANT)).toThrow('unknown template "tenant_exploded"');
    expect(() => renderMail("tenant_activated", TENANT)).toThrow("template tenant_activated is missing parameter(s) platform_url");
    expect(() => renderMail("toString", TENANT)).toThrow(PermanentMailError); // no prototype lookups
  });
});
