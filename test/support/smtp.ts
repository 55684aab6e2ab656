/**
 * A real SMTP server (smtp-server) on an ephemeral port, with STARTTLS (its built-in self-signed
 * certificate) and AUTH, that parses what it accepts with mailparser. Tests switch what it answers
 * (accept, 4xx, 5xx) and can stop it and bring it back on the same port (an outage).
 */
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { freePort } from "./replica.js";

export const SMTP_USER = "mailer";
export const SMTP_PASS = "s3cret-smtp-pass";

export type SmtpMode = "accept" | "refuse-4xx" | "refuse-5xx";

export interface ReceivedMail {
  readonly parsed: ParsedMail;
  /** Envelope recipients (RCPT TO). */
  readonly rcptTo: string[];
  readonly user: string | undefined;
  readonly secure: boolean;
}

export interface TestSmtpServer {
  readonly port: number;
  /** `smtp://user:pass@127.0.0.1:port` (or smtps://), trusting the test server's self-signed certificate. */
  readonly url: string;
  readonly received: ReceivedMail[];
  mode: SmtpMode;
  /** Stops listening (connections are refused) until start() is called again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

class SmtpReply extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** `secure`: TLS from the first byte (an smtps:// URL) instead of STARTTLS on a cleartext port. */
export async function startTestSmtpServer(options: { secure?: boolean } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const state = { mode: "accept" as SmtpMode };
  const make = () =>
    new SMTPServer({
      secure: options.secure ?? false,
      authMethods: ["PLAIN", "LOGIN"],
      // The test certificate is self-signed; nodemailer upgrades with STARTTLS and the URL tells
      // it to accept that certificate.
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: auth.username });
        else callback(new SmtpReply(535, "Authentication failed"));
      },
      onRcptTo(_address, _session, callback) {
        if (state.mode === "refuse-4xx") callback(new SmtpReply(451, "4.3.0 Try again later (test)"));
        else if (state.mode === "refuse-5xx") callback(new SmtpReply(550, "5.1.1 Mailbox unavailable (test)"));
        else callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            received.push({
              parsed,
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              user: session.user as string | undefined,
              secure: session.secure,
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      },
    });
  // A client that vanishes mid-conversation (a killed process) is its own problem, not the server's.
  const made = () => make().on("error", () => undefined);
  let server = made();
  const port = await freePort();
  let listening = false;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        listening = true;
        resolve();
      });
    });
  const stop = async () => {
    if (!listening) return;
    listening = false;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();
  return {
    port,
    url: options.secure
      ? `smtps://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${port}?tls.rejectUnauthorized=false`
      : `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${port}?tls.rejectUnauthorized=false&requireTLS=true`,
    received,
    get mode() {
      return state.mode;
    },
    set mode(m: SmtpMode) {
      state.mode = m;
    },
    stop,
    async start() {
      server = made();
      await listen();
    },
    close: stop,
  };
}
