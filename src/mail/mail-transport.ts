/**
 * The adapter around nodemailer: SMTP when SMTP_URL is set, otherwise .eml files under
 * DATA_DIR/mail so `npm start` shows what would have been sent.
 *
 * SMTP_URL is handed to nodemailer as is, so everything its URL form supports works:
 * `smtp://user:pass@host:587` (STARTTLS whenever the server offers it; `?requireTLS=true` to
 * insist), `smtps://user:pass@host:465` (TLS from the first byte), `?tls.rejectUnauthorized=false`
 * for a test server with a self-signed certificate.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { redactUrl } from "../config.js";
import type { Logger } from "../observability/logger.js";

export interface OutgoingMail {
  /** The Message-ID header, angle brackets included; the same on every attempt for one row. */
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The Date header (from the injected clock). */
  readonly date: Date;
}

export interface MailTransport {
  readonly kind: "smtp" | "eml";
  /** Delivers one message; resolves once the server accepted it (or the file is written). */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface MailTransportOptions {
  readonly smtpUrl: string | undefined;
  readonly from: string;
  readonly dataDir: string;
  readonly logger: Logger;
}

// Bounded so that a stuck server cannot hold a message past the dispatcher's lease (2 minutes):
// a send that outlives its lease may be repeated by another dispatcher.
const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 } as const;

/** The Message-ID of an outbox row: stable across attempts, so receivers can drop a repeat. */
export function messageIdOf(outboxMessageId: string): string {
  return `<${outboxMessageId}@trueparser-control-plane>`;
}

export function createMailTransport(options: MailTransportOptions): MailTransport {
  if (options.smtpUrl !== undefined) {
    options.logger.info({ smtp: redactUrl(options.smtpUrl), from: options.from }, "e-mail delivery through SMTP");
    return smtpTransport(options.smtpUrl, options.from);
  }
  const dir = path.join(options.dataDir, "mail");
  options.logger.info({ dir, from: options.from }, "e-mail written as .eml files (set SMTP_URL to send)");
  return emlTransport(dir, options.from, options.logger);
}

function smtpTransport(url: string, from: string): MailTransport {
  // Not pooled: one connection per message keeps failure handling per message, and volumes are
  // small (a few mails per tenant).
  const transporter = nodemailer.createTransport({ url, ...SMTP_TIMEOUTS });
  return {
    kind: "smtp",
    async send(mail) {
      await transporter.sendMail(toNodemailer(mail, from));
    },
    close() {
      transporter.close();
    },
  };
}

function emlTransport(dir: string, from: string, logger: Logger): MailTransport {
  // streamTransport + buffer makes nodemailer build the complete RFC 822 message without sending.
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "eml",
    async send(mail) {
      const info = (await builder.sendMail(toNodemailer(mail, from))) as { message: Buffer };
      await mkdir(dir, { recursive: true });
      // Named after the Message-ID, so a repeat overwrites rather than duplicates; written to a
      // temporary name first so a reader never sees half a file.
      const file = path.join(dir, `${mail.messageId.replace(/^<|@.*$/g, "").replace(/[^A-Za-z0-9-]/g, "_")}.eml`);
      await writeFile(`${file}.tmp`, info.message, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      logger.info({ path: file, messageId: mail.messageId }, "e-mail written as .eml (SMTP_URL is not set)");
    },
    close() {
      builder.close();
    },
  };
}

function toNodemailer(mail: OutgoingMail, from: string) {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    date: mail.date,
  };
}
