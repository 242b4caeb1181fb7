import type { MailContext } from "./layout.js";

/** Where a mail that says « contactez votre conseiller(e) clientèle » sends for the issuer's phone, hours and address. */
export function contactUrl(context: MailContext): string {
  return new URL("/aide#contact", context.portalUrl).href;
}

/** The sentence that follows « contactez votre conseiller(e) clientèle » in a mail. */
export function contactSentence(context: MailContext): string {
  return context.language === "en"
    ? ` Contact details: ${contactUrl(context)}`
    : ` Ses coordonnées\u202f: ${contactUrl(context)}`;
}
