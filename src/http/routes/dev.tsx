import type { FastifyInstance } from "fastify";
import { simpleParser } from "mailparser";
import { listOutbox, readOutboxFile } from "../../mail/transport.js";
import { OutboxMailPage, OutboxPage } from "../views/outbox.view.js";

/** `/_dev/outbox` on the platform host: the mails written to DATA_DIR/outbox, outside production only. */
export async function devRoutes(app: FastifyInstance, outboxDir: string) {
  const platformOnly = async (request: { site: { kind: string } }, reply: { callNotFound(): void }) => {
    if (request.site.kind !== "platform") reply.callNotFound();
  };

  app.get("/_dev/outbox", { preHandler: platformOnly }, async (_request, reply) => {
    const names = listOutbox(outboxDir);
    const shown = names.slice(0, 200);
    const items = await Promise.all(
      shown.map(async (name) => {
        const parsed = await simpleParser(readOutboxFile(outboxDir, name) ?? Buffer.alloc(0));
        return {
          name,
          date: parsed.date?.toISOString().replace("T", " ").slice(0, 19) ?? "",
          to: parsed.to
            ? Array.isArray(parsed.to)
              ? parsed.to.map((a) => a.text).join(", ")
              : parsed.to.text
            : "",
          subject: parsed.subject ?? "(sans objet)",
          kind: String(parsed.headers.get("x-efacture-mail-kind") ?? ""),
        };
      }),
    );
    reply.header("cache-control", "no-store");
    return reply.html(<OutboxPage items={items} total={names.length} />);
  });

  app.get<{ Params: { name: string } }>(
    "/_dev/outbox/:name",
    { preHandler: platformOnly },
    async (request, reply) => {
      const raw = readOutboxFile(outboxDir, request.params.name);
      if (!raw) return reply.callNotFound();
      const parsed = await simpleParser(raw);
      const text = parsed.text ?? "";
      const links = [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];
      reply.header("cache-control", "no-store");
      return reply.html(
        <OutboxMailPage
          name={request.params.name}
          date={parsed.date?.toISOString() ?? ""}
          from={parsed.from?.text ?? ""}
          to={
            parsed.to
              ? Array.isArray(parsed.to)
                ? parsed.to.map((a) => a.text).join(", ")
                : parsed.to.text
              : ""
          }
          subject={parsed.subject ?? "(sans objet)"}
          text={text}
          links={links}
        />,
      );
    },
  );

  app.get<{ Params: { name: string } }>(
    "/_dev/outbox/:name/html",
    { preHandler: platformOnly },
    async (request, reply) => {
      const raw = readOutboxFile(outboxDir, request.params.name);
      if (!raw) return reply.callNotFound();
      const parsed = await simpleParser(raw);
      // Shown in a sandboxed frame: no script runs, links open in a new tab.
      reply
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header(
          "content-security-policy",
          "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src data: https:; style-src 'unsafe-inline'",
        )
        .header("x-frame-options", "SAMEORIGIN");
      return (parsed.html || "<p>(pas de version HTML)</p>").replace(
        "<head>",
        '<head><base target="_blank">',
      );
    },
  );
}
