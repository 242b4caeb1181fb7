import { escapeHtml } from "@kitajs/html";
import type { FaqEntry, Ui } from "../../i18n/index.js";
import { type Branding, Layout } from "./layout.js";

export interface HomeProps {
  ui: Ui;
  branding: Branding;
  retentionMonths: number;
  csrf: string;
  /** Shown above the form: a failed login, throttling, a completed reset, a logout. */
  message?: { kind: "error" | "success"; text: string };
  identifier?: string;
}

/** FAQ entries as disclosure widgets (home page and /aide). */
export function FaqList(props: { entries: FaqEntry[] }) {
  return (
    <>
      {props.entries.map((entry) => (
        <details>
          <summary safe>{entry.q}</summary>
          {entry.a.map((p) => (
            <p safe>{p}</p>
          ))}
        </details>
      ))}
    </>
  );
}

/** A tenant portal's home: what the service is, the first-connection steps of the guide, and the FAQ. */
export function HomePage({ ui, branding, retentionMonths, csrf, message, identifier }: HomeProps) {
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
            <div class="field">
              <label for="password" safe>
                {t.password}
              </label>
              <input
                type="password"
                id="password"
                name="password"
                autocomplete="current-password"
                maxlength="1024"
                required
              />
            </div>
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
      <section class="card faq" aria-labelledby="faq">
        <h2 id="faq" safe>
          {t.faqTitle}
        </h2>
        <FaqList entries={ui.t.faq(duration)} />
        <p class="links">
          <a href="/aide" safe>
            {t.moreHelp}
          </a>
        </p>
      </section>
    </Layout>
  );
}
