import { SMTPServer } from "smtp-server";

/** What the sink does once a message's DATA has fully arrived. */
export type DataAnswer = "accept" | "drop" | "refuse";

export interface SlowSmtpSink {
  url: string;
  port: number;
  /** Message-IDs whose DATA arrived in full (whatever the answer), in order. */
  dataReceived: string[];
  /** Message-IDs answered 250. */
  accepted: string[];
  /** Set per message: how long to wait before answering, and what to answer. */
  plan(next: (messageId: string, nth: number) => { delayMs: number; answer: DataAnswer }): void;
  close(): Promise<void>;
}

/**
 * A real SMTP server whose DATA phase can be slow, answered, refused (451) or cut (the socket destroyed
 * before any answer: the client cannot know whether the message was taken). Keeps only Message-IDs.
 */
export async function startSlowSmtpSink(): Promise<SlowSmtpSink> {
  let decide: (messageId: string, nth: number) => { delayMs: number; answer: DataAnswer } = () => ({
    delayMs: 0,
    answer: "accept",
  });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const text = Buffer.concat(chunks).toString("latin1");
        const messageId = /^message-id:\s*(<[^>]+>)/im.exec(text)?.[1] ?? "(none)";
        sink.dataReceived.push(messageId);
        const nth = sink.dataReceived.filter((id) => id === messageId).length;
        const { delayMs, answer } = decide(messageId, nth);
        setTimeout(() => {
          if (answer === "accept") {
            sink.accepted.push(messageId);
            callback(null, "2.0.0 Ok: queued");
          } else if (answer === "refuse") {
            callback(Object.assign(new Error("4.3.0 Try again later"), { responseCode: 451 }));
          } else {
            const connections = (
              server as unknown as {
                connections: Set<{ session: { id: string }; _socket: { destroy(): void } }>;
              }
            ).connections;
            for (const connection of connections)
              if (connection.session.id === session.id) connection._socket.destroy();
          }
        }, delayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  const sink: SlowSmtpSink = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    dataReceived: [],
    accepted: [],
    plan(next) {
      decide = next;
    },
    close() {
      const connections = (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> })
        .connections;
      for (const connection of connections) connection._socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return sink;
}
