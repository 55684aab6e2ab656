/**
 * The e-mail dispatcher against a real SMTP server (STARTTLS + AUTH) and a real database: delivery
 * parsed back, retries with backoff on the injected clock, dead letters, outages, a crash between
 * sending and recording, several dispatchers on one database, and the .eml default.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrator.js";
import { claimDueMessages, enqueueMessage, findMessage } from "../../src/db/outbox-repository.js";
import type { RetryPolicy } from "../../src/domain/outbox.js";
import { createMailTransport, type MailTransport } from "../../src/mail/mail-transport.js";
import { createMetrics, type Metrics } from "../../src/observability/metrics.js";
import { uuidV7Ids } from "../../src/lib/ids.js";
import { OutboxDispatcher } from "../../src/services/outbox-dispatcher.js";
import { FixedClock } from "../support/clock.js";
import { createTestDatabase, onPostgres, POSTGRES_ONLY_REASON, type TestDatabase } from "../support/database.js";
import { memoryLogger } from "../support/server.js";
import { SMTP_PASS, SMTP_USER, startTestSmtpServer, type TestSmtpServer } from "../support/smtp.js";

const POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000, leaseMs: 120_000 };
const MAIL_FROM = "TrueParser <no-reply@trueparser.test>";
const TENANT_PARAMS = { tenant_id: "0190f0a4-5b6c-7d8e-9f00-112233445566", display_name: "Acme Corp" };

let tdb: TestDatabase;
let db: Database;
let smtp: TestSmtpServer;
let transport: MailTransport;
const clock = new FixedClock();
const newId = uuidV7Ids(clock);
let logs: Array<Record<string, unknown>>;
let metrics: Metrics;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = openDatabase(tdb.target);
  await migrateToLatest(db.knex);
  smtp = await startTestSmtpServer();
  transport = createMailTransport({ smtpUrl: smtp.url, from: MAIL_FROM, dataDir: "/nonexistent", logger: memoryLogger([]) });
});
afterAll(async () => {
  transport.close();
  await smtp.close();
  await db.close();
  await tdb.drop();
});
beforeEach(async () => {
  await db.knex("outbox_messages").del();
  smtp.received.length = 0;
  smtp.mode = "accept";
  logs = [];
  metrics = createMetrics();
});

function dispatcher(options: { knex?: Database["knex"]; transport?: MailTransport; batchSize?: number } = {}) {
  return new OutboxDispatcher({
    knex: options.knex ?? db.knex,
    clock,
    transport: options.transport ?? transport,
    logger: memoryLogger(logs),
    metrics,
    random: () => 0.5,
    policy: POLICY,
    batchSize: options.batchSize,
  });
}

async function enqueue(template = "tenant_welcome", params: Record<string, string> = TENANT_PARAMS, recipient = "owner@acme.test") {
  const messageId = newId();
  await enqueueMessage(db.knex, { messageId, template, recipient, params, tenantId: null, now: clock.now() });
  return messageId;
}

const row = async (id: string) => (await findMessage(db.knex, id))!;
const counter = async (name: string) => (await metrics.registry.getSingleMetricAsString(name)).split("\n").filter((l) => !l.startsWith("#"));

describe("outbox dispatcher over SMTP", () => {
  it("delivers with STARTTLS and AUTH; the parsed mail has the recipient, subject, platform URL and a stable Message-ID", async () => {
    const id = await enqueue("tenant_activated", { ...TENANT_PARAMS, platform_url: "https://app.trueparser.test" });
    const result = await dispatcher().drain();
    expect(result).toMatchObject({ claimed: 1, sent: 1, retried: 0, dead: 0 });

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.secure).toBe(true); // upgraded with STARTTLS
    expect(mail.user).toBe(SMTP_USER);
    expect(mail.rcptTo).toEqual(["owner@acme.test"]);
    expect(mail.parsed.to).toMatchObject({ value: [{ address: "owner@acme.test" }] });
    expect(mail.parsed.from).toMatchObject({ value: [{ address: "no-reply@trueparser.test", name: "TrueParser" }] });
    expect(mail.parsed.subject).toBe("Acme Corp is active on TrueParser");
    expect(mail.parsed.messageId).toBe(`<${id}@trueparser-control-plane>`);
    expect(mail.parsed.date).toEqual(clock.now());
    expect(mail.parsed.text).toContain("https://app.trueparser.test");
    expect(mail.parsed.html).toContain('<a href="https://app.trueparser.test">');

    expect(await row(id)).toMatchObject({ state: "SENT", attempts: 1, sentTime: clock.now(), lastError: null });
    expect(await counter("controlplane_mail_sends_total")).toContain(
      'controlplane_mail_sends_total{template="tenant_activated",outcome="sent"} 1',
    );
  });

  it("retries a 4xx refusal with exponential backoff on the clock, then delivers everything once the server accepts", async () => {
    smtp.mode = "refuse-4xx";
    const ids = [await enqueue(), await enqueue(), await enqueue()];
    const d = dispatcher();
    const start = clock.now().getTime();

    expect(await d.runOnce()).toMatchObject({ claimed: 3, retried: 3, sent: 0 });
    for (const id of ids) {
      // First retry: base 1 s, equal jitter with random 0.5 → 0.75 s.
      expect(await row(id)).toMatchObject({ state: "PENDING", attempts: 1, nextAttemptTime: new Date(start + 750) });
      expect((await row(id)).lastError).toContain("451");
    }
    expect(await d.runOnce()).toMatchObject({ claimed: 0 }); // not due yet
    clock.advance(749);
    expect(await d.runOnce()).toMatchObject({ claimed: 0 });
    clock.advance(1);
    expect(await d.runOnce()).toMatchObject({ claimed: 3, retried: 3 });
    // Second retry: 2 s × 0.75 = 1.5 s after the second failure.
    expect(await row(ids[0]!)).toMatchObject({ attempts: 2, nextAttemptTime: new Date(start + 750 + 1500) });

    smtp.mode = "accept";
    clock.advance(1500);
    expect(await d.drain()).toMatchObject({ claimed: 3, sent: 3 });
    expect(smtp.received.map((m) => m.parsed.messageId).sort()).toEqual(
      ids.map((id) => `<${id}@trueparser-control-plane>`).sort(),
    );
    for (const id of ids) expect(await row(id)).toMatchObject({ state: "SENT", attempts: 3 });

    const failures = logs.filter((l) => l.msg === "e-mail delivery failed; will retry");
    expect(failures).toHaveLength(6);
    expect(String(failures[0]!.cause)).toContain("451 4.3.0 Try again later");
    // The log says why, never what the mail said, and names no credentials.
    expect(JSON.stringify(logs)).not.toContain("waiting for activation");
    expect(JSON.stringify(logs)).not.toContain(SMTP_PASS);
    expect(await counter("controlplane_mail_retries_total")).toContain(
      'controlplane_mail_retries_total{template="tenant_welcome"} 6',
    );
  });

  it("dead-letters a message the server keeps refusing (5xx) after the last attempt", async () => {
    smtp.mode = "refuse-5xx";
    const id = await enqueue();
    const d = dispatcher();
    for (let attempt = 1; attempt <= POLICY.maxAttempts; attempt++) {
      expect((await d.runOnce()).claimed).toBe(1);
      clock.advance(60_000);
    }
    expect(await row(id)).toMatchObject({ state: "DEAD", attempts: 3 });
    expect((await row(id)).lastError).toContain("550 5.1.1 Mailbox unavailable");
    expect(await d.drain()).toMatchObject({ claimed: 0 }); // a dead letter is not tried again
    expect(smtp.received).toHaveLength(0);
    expect(logs.filter((l) => l.msg === "e-mail delivery failed; dead letter (operators can retry it)")).toHaveLength(1);
    expect(await counter("controlplane_mail_dead_letters_total")).toContain(
      'controlplane_mail_dead_letters_total{template="tenant_welcome"} 1',
    );
  });

  it("survives an outage: unreachable server → retried; delivered when it returns; nothing lost", async () => {
    await smtp.stop();
    const ids = [await enqueue(), await enqueue("tenant_suspended")];
    const d = dispatcher();
    try {
      expect(await d.runOnce()).toMatchObject({ claimed: 2, retried: 2 });
      expect((await row(ids[0]!)).lastError).toContain("ECONNREFUSED");
      clock.advance(60_000);
      expect(await d.runOnce()).toMatchObject({ claimed: 2, retried: 2 });
    } finally {
      await smtp.start();
    }
    clock.advance(60_000);
    expect(await d.drain()).toMatchObject({ sent: 2 });
    expect(smtp.received.map((m) => m.parsed.subject).sort()).toEqual([
      "Acme Corp has been suspended on TrueParser",
      "Welcome to TrueParser, Acme Corp",
    ]);
    const states = await db.knex("outbox_messages").select("state").count({ n: "*" }).groupBy("state");
    expect(states).toEqual([{ state: "SENT", n: 2 }]);
  });

  it("dead-letters an unknown template at once, saying why", async () => {
    const id = await enqueue("tenant_exploded");
    expect(await dispatcher().runOnce()).toMatchObject({ claimed: 1, dead: 1 });
    const m = await row(id);
    expect(m).toMatchObject({ state: "DEAD", attempts: 1 });
    expect(m.lastError).toMatch(/^unknown template "tenant_exploded"; known: /);
    expect(smtp.received).toHaveLength(0);
    expect(await counter("controlplane_mail_dead_letters_total")).toContain(
      'controlplane_mail_dead_letters_total{template="unknown"} 1', // bounded label values
    );
  });

  it("after a crash between sending and recording, sends again with the same Message-ID (never a loss)", async () => {
    const id = await enqueue();
    const knex = db.knex;
    // The "crash": recording SENT fails inside the database, after the server accepted the mail.
    await knex.raw(`CREATE FUNCTION fail_mark_sent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'database lost (test)'; END $$`);
    await knex.raw(`CREATE TRIGGER fail_mark_sent BEFORE UPDATE ON outbox_messages
      FOR EACH ROW WHEN (NEW.state = 'SENT') EXECUTE FUNCTION fail_mark_sent()`);
    const d = dispatcher();
    try {
      expect(await d.runOnce()).toMatchObject({ claimed: 1, sent: 0, unrecorded: 1 });
    } finally {
      await knex.raw("DROP TRIGGER fail_mark_sent ON outbox_messages");
      await knex.raw("DROP FUNCTION fail_mark_sent()");
    }
    expect(smtp.received).toHaveLength(1);
    expect(await row(id)).toMatchObject({ state: "PENDING", attempts: 1 });
    expect(logs.some((l) => String(l.msg).startsWith("e-mail sent but not recorded as sent"))).toBe(true);

    expect(await d.runOnce()).toMatchObject({ claimed: 0 }); // leased: not before the lease ends
    clock.advance(POLICY.leaseMs);
    expect(await d.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received.map((m) => m.parsed.messageId)).toEqual([
      `<${id}@trueparser-control-plane>`,
      `<${id}@trueparser-control-plane>`,
    ]);
    expect(await row(id)).toMatchObject({ state: "SENT", attempts: 2 });
  });

  it("sends a message claimed by a dispatcher that died before sending, once its lease ends", async () => {
    const id = await enqueue();
    await db.knex.transaction((trx) =>
      claimDueMessages(trx, { now: clock.now(), leaseUntil: new Date(clock.now().getTime() + POLICY.leaseMs), limit: 10 }),
    );
    const d = dispatcher();
    expect(await d.runOnce()).toMatchObject({ claimed: 0 });
    clock.advance(POLICY.leaseMs);
    expect(await d.runOnce()).toMatchObject({ sent: 1 });
    expect(await row(id)).toMatchObject({ state: "SENT", attempts: 2 });
  });

  it("dead-letters a message whose last allowed attempt never recorded an outcome", async () => {
    const id = await enqueue();
    await db.knex("outbox_messages").where({ message_id: id }).update({ attempts: POLICY.maxAttempts });
    const d = dispatcher();
    expect(await d.runOnce()).toMatchObject({ claimed: 1, dead: 1 });
    expect((await row(id)).lastError).toContain("no outcome recorded for attempt 3");
    expect(smtp.received).toHaveLength(0);
  });

  it("delivers over smtps:// (TLS from the first byte)", async () => {
    const tlsSmtp = await startTestSmtpServer({ secure: true });
    const smtps = createMailTransport({ smtpUrl: tlsSmtp.url, from: MAIL_FROM, dataDir: "/nonexistent", logger: memoryLogger([]) });
    try {
      const id = await enqueue();
      expect(await dispatcher({ transport: smtps }).drain()).toMatchObject({ sent: 1 });
      expect(tlsSmtp.received.map((m) => [m.parsed.messageId, m.secure, m.user])).toEqual([
        [`<${id}@trueparser-control-plane>`, true, SMTP_USER],
      ]);
    } finally {
      smtps.close();
      await tlsSmtp.close();
    }
  });

  it("retries when the server refuses the credentials, logging the cause but never the password", async () => {
    const wrongUrl = smtp.url.replace(SMTP_PASS, "not-the-password");
    const wrong = createMailTransport({ smtpUrl: wrongUrl, from: MAIL_FROM, dataDir: "/nonexistent", logger: memoryLogger([]) });
    try {
      const id = await enqueue();
      expect(await dispatcher({ transport: wrong }).runOnce()).toMatchObject({ retried: 1 });
      expect((await row(id)).lastError).toContain("535");
      expect(JSON.stringify(logs)).toContain("535");
      expect(JSON.stringify(logs)).not.toContain("not-the-password");
      expect(JSON.stringify(await db.knex("outbox_messages").select("last_error"))).not.toContain("not-the-password");
    } finally {
      wrong.close();
    }
  });

  it.skipIf(!onPostgres)(`two dispatchers on one database send each message once (${POSTGRES_ONLY_REASON})`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await enqueue("tenant_welcome", TENANT_PARAMS, `owner${i}@acme.test`));
    const other = openDatabase(tdb.target);
    try {
      const a = dispatcher({ batchSize: 4 });
      const b = dispatcher({ knex: other.knex, batchSize: 4 });
      const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
      expect(ra.sent + rb.sent).toBe(40);
      expect(ra.claimed + rb.claimed).toBe(40);
    } finally {
      await other.close();
    }
    const received = smtp.received.map((m) => m.parsed.messageId).sort();
    expect(received).toEqual(ids.map((id) => `<${id}@trueparser-control-plane>`).sort());
    expect(new Set(received).size).toBe(40);
  });
});

describe("outbox dispatcher without SMTP_URL", () => {
  it("writes each message as an .eml file under DATA_DIR/mail and logs its path", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tp-eml-"));
    const emlLogs: Array<Record<string, unknown>> = [];
    const eml = createMailTransport({ smtpUrl: undefined, from: MAIL_FROM, dataDir, logger: memoryLogger(emlLogs) });
    const id = await enqueue("tenant_activated", { ...TENANT_PARAMS, platform_url: "https://app.trueparser.test" });
    expect(await dispatcher({ transport: eml }).drain()).toMatchObject({ sent: 1 });
    eml.close();

    const file = path.join(dataDir, "mail", `${id}.eml`);
    expect(emlLogs).toContainEqual(expect.objectContaining({ msg: "e-mail written as .eml (SMTP_URL is not set)", path: file }));
    const parsed = await simpleParser(readFileSync(file));
    expect(parsed.subject).toBe("Acme Corp is active on TrueParser");
    expect(parsed.messageId).toBe(`<${id}@trueparser-control-plane>`);
    expect(parsed.to).toMatchObject({ value: [{ address: "owner@acme.test" }] });
    expect(parsed.text).toContain("https://app.trueparser.test");
    expect(await row(id)).toMatchObject({ state: "SENT" });
  });
});
