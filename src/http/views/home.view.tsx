import { escapeHtml } from "@kitajs/html";
import type { ContactDetails } from "../../domain/tenants/portal-details.js";
import type { FaqEntry, Ui } from "../../i18n/index.js";
import { PasswordField } from "./auth.view.js";
import { CONTACT_ANCHOR, ContactBlock } from "./contact-block.view.js";
import { type Branding, Layout } from "./layout.js";

export interface HomeProps {
  ui: Ui;
  branding: Branding;
  retentionMonths: number;
  csrf: string;
  /** Shown above the form: a failed login, throttling, a completed reset, a logout. */
  message?: { kind: "error" | "success"; text: string };
  identifier?: string;
  /** The issuer's customer-service block; absent until its admin fills it in (the portal is closed in production). */
  contact?: ContactDetails;
  /** The issuer's own FAQ, already rendered by markdown-it without raw HTML (tenant-help.ts). */
  safeTenantFaq?: string;
}

/** FAQ entries as disclosure widgets (home page and /aide); answers that send to the advisor link to the contact block. */
export function FaqList(props: { entries: FaqEntry[]; contactLink?: { href: string; label: string } }) {
  const { contactLink } = props;
  return (
    <>
      {props.entries.map((entry) => (
        <details>
          <summary safe>{entry.q}</summary>
          {entry.a.map((p) => (
            <p safe>{p}</p>
          ))}
          {entry.contact && contactLink ? (
            <p>
              <a class="contact-link" href={contactLink.href} safe>
                {contactLink.label}
              </a>
            </p>
          ) : (
            ""
          )}
        </details>
      ))}
    </>
  );
}

/** A tenant portal's home: what the service is, the first-connection steps of the guide, and the FAQ. */
export function HomePage(props: HomeProps) {
  const { ui, branding, retentionMonths, csrf, message, identifier, contact, safeTenantFaq } = props;
  const t = ui.t.home;
  const duration = ui.t.retention(retentionMonths);
  const [before, strong, after] = t.notice(duration);
  return (
    <Layout title={t.title} branding={branding} ui={ui}>
      <h1 safe>{t.heading(branding.name)}</h1>
      <p class="lead" safe>
        {t.lead}
      </p>
      <p class="notice">
        {escapeHtml(before)}
        <strong safe>{strong}</strong>
        {escapeHtml(after)}
      </p>
      <div class="grid">
        <section class="card" aria-labelledby="login">
          <h2 id="login" safe>
            {t.loginTitle}
          </h2>
          {message ? (
            <p class={message.kind} role={message.kind === "error" ? "alert" : "status"} safe>
              {message.text}
            </p>
          ) : (
            ""
          )}
          <form method="post" action="/connexion" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <div class="field">
              <label for="identifier" safe>
                {t.identifier}
              </label>
              <span class="hint" id="identifier-hint" safe>
                {t.identifierHint}
              </span>
              <input
                type="text"
                id="identifier"
                name="identifier"
                autocomplete="username"
                autocapitalize="characters"
                spellcheck="false"
                maxlength="64"
                required
                aria-describedby="identifier-hint"
                value={identifier ?? ""}
              />
            </div>
            <PasswordField id="password" label={t.password} autocomplete="current-password" />
            <button type="submit" class="button" safe>
              {t.logIn}
            </button>
          </form>
          <p class="links">
            <a href="/mot-de-passe-oublie" safe>
              {t.forgotLink}
            </a>
          </p>
        </section>
        <section class="card" aria-labelledby="first-connection">
          <h2 id="first-connection" safe>
            {t.firstTitle}
          </h2>
          <ol class="steps">
            {t.firstSteps.map((step) => (
              <li safe>{step}</li>
            ))}
          </ol>
        </section>
      </div>
      <div class={safeTenantFaq ? "grid home-faqs" : "home-faqs"}>
        {safeTenantFaq ? (
          <section class="card help-md" aria-labelledby="tenant-faq">
            <h2 id="tenant-faq" safe>
              {ui.t.help.tenantFaqTitle(branding.name)}
            </h2>
            {safeTenantFaq}
          </section>
        ) : (
          ""
        )}
        <section class="card faq" aria-labelledby="faq">
          <h2 id="faq" safe>
            {safeTenantFaq ? ui.t.help.platformFaqTitle : t.faqTitle}
          </h2>
          <FaqList
            entries={ui.t.faq(duration)}
            contactLink={
              contact ? { href: `#${CONTACT_ANCHOR}`, label: ui.t.portalDetails.seeContact } : undefined
            }
          />
          <p class="links">
            <a href="/aide" safe>
              {t.moreHelp}
            </a>
          </p>
        </section>
      </div>
      {contact ? <ContactBlock ui={ui} issuer={branding.name} contact={contact} /> : ""}
    </Layout>
  );
}
