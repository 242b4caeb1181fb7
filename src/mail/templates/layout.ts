import { escapeHtml } from "@kitajs/html";

export type Language = "fr" | "en";

/** What every template receives: who sends (the issuer's portal) and in which language. */
/** A moment as a mail states it: long date and time, Paris time, in the mail's language. */
export function parisDateTime(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "Europe/Paris",
  }).format(new Date(iso));
}

export interface MailContext {
  language: Language;
  tenantName: string;
  tenantColor: string;
  portalUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph list rendered as sober HTML (inline styles: mail clients ignore stylesheets) and as plain text. */
export function renderMail(
  context: MailContext,
  subject: string,
  blocks: ({ p: string } | { strong: string; value: string } | { button: string; href: string })[],
  footer: string,
): RenderedMail {
  const text = [
    ...blocks.map((b) =>
      "p" in b ? b.p : "strong" in b ? `${b.strong} ${b.value}` : `${b.button} : ${b.href}`,
    ),
    "--",
    footer,
  ].join("\n\n");
  const color = /^#[0-9a-fA-F]{6}$/.test(context.tenantColor) ? context.tenantColor : "#1f4e79";
  const body = blocks
    .map((b) => {
      if ("p" in b) return `<p style="margin:0 0 16px;line-height:1.5">${escapeHtml(b.p)}</p>`;
      if ("strong" in b)
        return `<p style="margin:0 0 16px;line-height:1.5">${escapeHtml(b.strong)} <strong style="font-size:18px;letter-spacing:1px">${escapeHtml(b.value)}</strong></p>`;
      return `<p style="margin:24px 0"><a href="${escapeHtml(b.href)}" style="background:${color};color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(b.button)}</a></p>`;
    })
    .join("\n");
  const html = `<!doctype html>
<html lang="${context.language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1c2430">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${color};color:#ffffff;padding:18px 24px;font-size:18px;font-weight:bold">${escapeHtml(context.tenantName)} · E-FACTURE</td></tr>
<tr><td style="padding:24px">${body}</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #e3e6ea;color:#5b6573;font-size:12px;line-height:1.4">${escapeHtml(footer)}</td></tr>
</table></td></tr></table></body></html>`;
  return { subject, text, html };
}
