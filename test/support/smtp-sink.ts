import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { waitFor } from "./services.js";

export interface SmtpSink {
  url: string;
  port: number;
  received: ParsedMail[];
  /** Refuse the next `count` messages with a temporary error (451). */
  refuseNext(count: number): void;
  refusals: number;
  /** The mails received for `address` (of this `x-efacture-mail-kind`, when given). */
  mailsTo(address: string, kind?: string): ParsedMail[];
  /** Waits for the `count`-th such mail (20 s at most). */
  waitMail(address: string, kind?: string, count?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

const kindOf = (mail: ParsedMail) => mail.headers.get("x-efacture-mail-kind");

/** A real SMTP server on 127.0.0.1 that keeps what it receives (and can refuse on demand). */
export async function startSmtpSink(): Promise<SmtpSink> {
  let toRefuse = 0;
  const sink: SmtpSink = {
    url: "",
    port: 0,
    received: [],
    refusals: 0,
    refuseNext(count) {
      toRefuse = count;
    },
    mailsTo: (address, kind) =>
      sink.received.filter((m) => JSON.stringify(m.to).includes(address) && (!kind || kindOf(m) === kind)),
    waitMail: (address, kind, count = 1) =>
      waitFor(
        async () => {
          const found = sink.mailsTo(address, kind);
          return found.length >= count ? found[count - 1] : undefined;
        },
        20_000,
        `${kind ?? "mail"} #${count} to ${address}`,
      ),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if (toRefuse > 0) {
          toRefuse--;
          sink.refusals++;
          const error = new Error("4.3.0 Try again later") as Error & { responseCode: number };
          error.responseCode = 451;
          return callback(error);
        }
        sink.received.push(await simpleParser(Buffer.concat(chunks)));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.server.address() as { port: number };
  sink.port = address.port;
  sink.url = `smtp://127.0.0.1:${address.port}`;
  return sink;
}
