/**
 * E-mail delivery end to end on the real server: tenant changes queue e-mails, the server's
 * dispatcher (driven by the test) delivers them to a real SMTP server, and operators list the
 * outbox and retry dead letters over OutboxService.
 */
import { Code } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { OutboxService } from "../../gen/ts/trueparser/controlplane/v1/outbox_service_pb.js";
import { OutboxMessageState } from "../../gen/ts/trueparser/controlplane/v1/outbox_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { SMTP_PASS, startTestSmtpServer, type TestSmtpServer } from "../support/smtp.js";


let smtp: TestSmtpServer;
let server: TestServer;
let tenants: ReturnType<typeof clientFor<typeof TenantService>>;
let outbox: ReturnType<typeof clientFor<typeof OutboxService>>;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = await startTestServer({
    env: { SMTP_URL: smtp.url, MAIL_FROM: "TrueParser <no-reply@trueparser.test>" },
    random: () => 0.5,
  });
  tenants = clientFor(TenantService, server.url);
  outbox = clientFor(OutboxService, server.url, { protocol: "grpc" });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

const dispatcher = () => server.plane.outboxDispatcher;

describe("e-mail delivery from the server", () => {
  it("sends the welcome and the activation e-mail (with the platform URL) through SMTP", async () => {
    const { tenant } = await tenants.registerTenant({ displayName: "Acme Corp", ownerEmail: "owner@acme.test" });
    await tenants.activateTenant({ tenantId: tenant!.tenantId });
    expect(await dispatcher().drain()).toMatchObject({ sent: 2 });

    const mails = smtp.received.filter((m) => m.rcptTo.includes("owner@acme.test"));
    expect(mails.map((m) => m.parsed.subject)).toEqual([
      "Welcome to TrueParser, Acme Corp",
      "Acme Corp is active on TrueParser",
    ]);
    const activation = mails[1]!.parsed;
    expect(activation.from).toMatchObject({ value: [{ address: "no-reply@trueparser.test" }] });
    expect(activation.text).toContain("https://app.trueparser.test");
    expect(activation.html).toContain('<a href="https://app.trueparser.test">');

    const { outboxMessages } = await outbox.listOutboxMessages({ tenantId: tenant!.tenantId });
    expect(outboxMessages.map((m) => [m.template, m.state, m.attempts])).toEqual([
      ["tenant_welcome", OutboxMessageState.SENT, 1],
      ["tenant_activated", OutboxMessageState.SENT, 1],
    ]);
    expect(activation.messageId).toBe(`<${outboxMessages[1]!.messageId}@trueparser-control-plane>`);
    expect(timestampDate(outboxMessages[1]!.sentTime!)).toEqual(server.clock.now());
    expect(outboxMessages[1]!.nextAttemptTime).toBeUndefined();
  });

  it("logs where e-mail goes at start, with the SMTP password redacted", () => {
    const line = server.logs.find((l) => l.msg === "e-mail delivery through SMTP");
    expect(line?.smtp).toContain(`127.0.0.1:${smtp.port}`);
    expect(JSON.stringify(server.logs)).not.toContain(SMTP_PASS);
  });
});

describe("the background dispatcher", () => {
  it("polls while the server runs: with no SMTP_URL a registration becomes an .eml file, its path logged", async () => {
    const polling = await startTestServer({ outboxDispatch: "poll" });
    try {
      const client = clientFor(TenantService, polling.url);
      await client.registerTenant({ displayName: "Polled Inc", ownerEmail: "ops@polled.test" });
      // The dispatcher polls every second on the server's clock: each try moves it a second on.
      const line = await vi.waitFor(
        () => {
          polling.clock.advance(1_000);
          const found = polling.logs.find((l) => l.msg === "e-mail written as .eml (SMTP_URL is not set)");
          if (!found) throw new Error("no .eml yet");
          return found;
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(path.dirname(String(line.path))).toBe(path.join(polling.config.dataDir, "mail"));
      expect(existsSync(String(line.path))).toBe(true);
    } finally {
      await polling.close(); // stops the dispatcher before the database closes
    }
  });
});

describe("OutboxService", () => {
  it("lists dead letters and retries one: DEAD → PENDING, then delivered once the server accepts", async () => {
    smtp.mode = "refuse-5xx";
    const { tenant } = await tenants.registerTenant({ displayName: "Refused Ltd", ownerEmail: "ops@refused.test" });
    try {
      for (let i = 0; i < 10; i++) {
        await dispatcher().drain();
        server.clock.advance(2 * 60 * 60_000); // past any backoff
      }
    } finally {
      smtp.mode = "accept";
    }
    const dead = await outbox.listOutboxMessages({ state: OutboxMessageState.DEAD, tenantId: tenant!.tenantId });
    expect(dead.outboxMessages).toHaveLength(1);
    const letter = dead.outboxMessages[0]!;
    expect(letter).toMatchObject({ template: "tenant_welcome", recipient: "ops@refused.test", attempts: 10 });
    expect(letter.lastError).toContain("550 5.1.1 Mailbox unavailable");

    const { outboxMessage } = await outbox.retryOutboxMessage({ messageId: letter.messageId });
    expect(outboxMessage).toMatchObject({ state: OutboxMessageState.PENDING, attempts: 0 });
    expect(timestampDate(outboxMessage!.nextAttemptTime!)).toEqual(server.clock.now());
    expect(outboxMessage!.lastError).toContain("550"); // kept: why it had died

    expect(await dispatcher().drain()).toMatchObject({ sent: 1 });
    const sent = await outbox.listOutboxMessages({ state: OutboxMessageState.SENT, tenantId: tenant!.tenantId });
    expect(sent.outboxMessages.map((m) => m.messageId)).toEqual([letter.messageId]);
    expect(smtp.received.filter((m) => m.parsed.messageId === `<${letter.messageId}@trueparser-control-plane>`)).toHaveLength(1);

    const { auditEvents } = await tenants.listAuditEvents({ tenantId: tenant!.tenantId });
    expect(auditEvents[0]).toMatchObject({
      action: "trueparser.controlplane.v1.OutboxService/RetryOutboxMessage",
      resource: `outboxMessages/${letter.messageId}`,
      metadata: expect.objectContaining({ from_state: "DEAD", to_state: "PENDING" }),
    });

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('controlplane_mail_sends_total{template="tenant_welcome",outcome="dead"} 1');
    expect(metrics).toContain('controlplane_mail_dead_letters_total{template="tenant_welcome"} 1');
    expect(metrics).toContain('controlplane_mail_retries_total{template="tenant_welcome"} 9');
    expect(metrics).toMatch(/controlplane_outbox_pending \d+/);
  });

  it("refuses to retry a message that is not a dead letter", async () => {
    const { tenant } = await tenants.registerTenant({ displayName: "Delivered Ltd", ownerEmail: "ops@delivered.test" });
    expect(await dispatcher().drain()).toMatchObject({ sent: 1 });
    const { outboxMessages } = await outbox.listOutboxMessages({ state: OutboxMessageState.SENT, tenantId: tenant!.tenantId });
    expect(outboxMessages).toHaveLength(1);
    const err = await failure(outbox.retryOutboxMessage({ messageId: outboxMessages[0]!.messageId }));
    expect(err).toMatchObject({ code: Code.FailedPrecondition, reason: "OUTBOX_MESSAGE_NOT_DEAD" });
    expect(err.metadata).toMatchObject({ state: "SENT" });
  });

  it("answers NOT_FOUND for an unknown message and INVALID_ARGUMENT naming a malformed field", async () => {
    const missing = await failure(outbox.retryOutboxMessage({ messageId: "0190f0a4-5b6c-7d8e-9f00-112233445566" }));
    expect(missing).toMatchObject({ code: Code.NotFound, reason: "OUTBOX_MESSAGE_NOT_FOUND" });
    const bad = await failure(outbox.retryOutboxMessage({ messageId: "not-an-id" }));
    expect(bad).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD", fields: ["message_id"] });
    const badList = await failure(outbox.listOutboxMessages({ tenantId: "nope", pageSize: -1 }));
    expect(badList.fields.sort()).toEqual(["page_size", "tenant_id"]);
    const badState = await failure(outbox.listOutboxMessages({ state: 9 as OutboxMessageState }));
    expect(badState).toMatchObject({ code: Code.InvalidArgument, fields: ["state"] });
  });

  it("pages with opaque tokens bound to the filters", async () => {
    for (const n of [1, 2, 3]) await tenants.registerTenant({ displayName: `Paged ${n}`, ownerEmail: `ops@paged${n}.test` });
    expect(await dispatcher().drain()).toMatchObject({ sent: 3 }); // none left pending for another test's dispatcher
    const all = await outbox.listOutboxMessages({});
    expect(all.outboxMessages.length).toBeGreaterThanOrEqual(3);
    const first = await outbox.listOutboxMessages({ pageSize: 2 });
    expect(first.outboxMessages).toHaveLength(2);
    expect(first.nextPageToken).not.toBe("");
    const rest = await outbox.listOutboxMessages({ pageSize: 1000, pageToken: first.nextPageToken });
    expect([...first.outboxMessages, ...rest.outboxMessages].map((m) => m.messageId)).toEqual(
      all.outboxMessages.map((m) => m.messageId),
    );
    expect(rest.nextPageToken).toBe("");
    const replayed = await failure(
      outbox.listOutboxMessages({ pageSize: 2, pageToken: first.nextPageToken, state: OutboxMessageState.DEAD }),
    );
    expect(replayed).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
  });

  it("is for operators only", async () => {
    const person = clientFor(OutboxService, server.url, { token: await server.sessionFor("alice@a.test") });
    expect(await failure(person.listOutboxMessages({}))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "PERMISSION_DENIED",
    });
    const anonymous = clientFor(OutboxService, server.url, { token: null });
    expect(await failure(anonymous.retryOutboxMessage({ messageId: "0190f0a4-5b6c-7d8e-9f00-112233445566" }))).toMatchObject({
      code: Code.Unauthenticated,
    });
  });
});
