import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SmtpSink {
  url: string;
  port: number;
  received: ParsedMail[];
  /** Refuse the next `count` messages with a temporary error (451). */
  refuseNext(count: number): void;
  refusals: number;
  close(): Promise<void>;
}

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
