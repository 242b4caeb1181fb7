import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { MailTransport, OutgoingMail, SentMail } from "../domain/mail/send-mail.js";

// The port is the domain's (src/domain/mail/send-mail.ts); this file implements it.
export type { MailTransport, OutgoingMail, SentMail };

/** Pooled SMTP through nodemailer. */
export function createSmtpTransport(smtpUrl: string): MailTransport {
  const url = new URL(smtpUrl);
  const transporter = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
    secure: url.protocol === "smtps:",
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    pool: true,
    maxConnections: Number(url.searchParams.get("maxConnections") ?? 8),
    ignoreTLS: url.searchParams.get("ignoreTLS") === "true",
    requireTLS: url.searchParams.get("requireTLS") === "true",
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    kind: "smtp",
    async send(mail) {
      const info = await transporter.sendMail(mail);
      return { messageId: info.messageId, response: info.response };
    },
    async close() {
      transporter.close();
    },
  };
}

/** Development: each mail is written as a `.eml` file in `dir` (temp file, fsync, rename). */
export function createOutboxTransport(dir: string): MailTransport {
  mkdirSync(dir, { recursive: true });
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "outbox",
    async send(mail) {
      try {
        return await writeToOutbox(mail);
      } catch (error) {
        // Nothing is delivered before the rename: the mail can be written again (see smtp-outcome.ts).
        throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
          notHandedOver: true,
        });
      }
    },
    async close() {},
  };

  async function writeToOutbox(mail: OutgoingMail): Promise<SentMail> {
    const info = await builder.sendMail(mail);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const name = `${stamp}-${randomBytes(4).toString("hex")}.eml`;
    const temp = path.join(dir, `.${name}.tmp`);
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(info.message as Buffer);
      await handle.sync();
    } finally {
      await handle.close();
    }
    renameSync(temp, path.join(dir, name));
    return { messageId: info.messageId, response: `outbox ${name}` };
  }
}

/** The `.eml` files of the outbox, newest first. */
export function listOutbox(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".eml") && !name.startsWith("."))
      .sort()
      .reverse();
  } catch {
    return [];
  }
}

export function readOutboxFile(dir: string, name: string): Buffer | undefined {
  if (!/^[\w.-]+\.eml$/.test(name) || name.startsWith(".")) return undefined;
  try {
    return readFileSync(path.join(dir, name));
  } catch {
    return undefined;
  }
}
