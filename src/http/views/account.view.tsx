import { escapeHtml } from "@kitajs/html";
import type { AccountSessionRow } from "../../db/account-sessions.queries.js";
import type { AccountView } from "../../domain/accounts/manage-account.js";
import type { Ui } from "../../i18n/index.js";
import { NewPasswordFields, PasswordField } from "./auth.view.js";
import { ColumnHeads } from "./column-heads.js";
import { ContactLink } from "./contact-block.view.js";
import { EmailAddress } from "./email-address.js";
import { type Branding, Layout } from "./layout.js";

function device(ui: Ui, userAgent: string | null): string {
  const t = ui.t.account;
  if (!userAgent) return t.unknownBrowser;
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrome\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : t.aBrowser;
  const os = /Windows/.test(userAgent)
    ? "Windows"
    : /Android/.test(userAgent)
      ? "Android"
      : /iPhone|iPad/.test(userAgent)
        ? "iOS"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : "";
  return os ? t.browserOn(browser, os) : browser;
}

export function AccountPage(props: {
  ui: Ui;
  branding: Branding;
  csrf: string;
  account: AccountView;
  sessions: AccountSessionRow[];
  currentSession: string;
  message?: { kind: "error" | "success"; text: string };
}) {
  const { account, ui } = props;
  const t = ui.t.account;
  return (
    <Layout
      title={t.title}
      ui={ui}
      branding={props.branding}
      user={{ identifier: account.identifier, csrf: props.csrf }}
    >
      <h1 safe>{t.title}</h1>
      {props.message ? (
        <p class={props.message.kind} role={props.message.kind === "error" ? "alert" : "status"} safe>
          {props.message.text}
        </p>
      ) : (
        ""
      )}
      <div class="grid">
        <section class="card" aria-labelledby="identity">
          <h2 id="identity" safe>
            {t.identityTitle}
          </h2>
          <dl class="facts">
            <dt safe>{t.identifier}</dt>
            <dd>
              <span class="identifier ident" safe>
                {account.identifier}
              </span>
            </dd>
            <dt safe>{t.email}</dt>
            <dd>
              <EmailAddress email={account.email} />
            </dd>
            <dt safe>{t.customerNumbers}</dt>
            <dd>
              {account.customerNumbers.map((number, i) => (
                <>
                  {i > 0 ? ", " : ""}
                  <span class="ident" safe>
                    {number}
                  </span>
                </>
              ))}
            </dd>
          </dl>
          <p class="muted">
            {escapeHtml(t.changeEmail)} <ContactLink ui={ui} />
          </p>
        </section>
        <section class="card" aria-labelledby="preferences">
          <h2 id="preferences" safe>
            {t.preferencesTitle}
          </h2>
          <form method="post" action="/compte/preferences">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <div class="field">
              <label for="language" safe>
                {t.language}
              </label>
              <select id="language" name="language">
                <option value="fr" lang="fr" selected={account.language === "fr"} safe>
                  {ui.t.lang.names.fr}
                </option>
                <option value="en" lang="en" selected={account.language === "en"} safe>
                  {ui.t.lang.names.en}
                </option>
              </select>
            </div>
            <div class="field">
              <label>
                <input type="checkbox" name="notify" value="1" checked={account.notifyNewInvoice} />{" "}
                {escapeHtml(t.notify)}
              </label>
            </div>
            <button type="submit" class="button secondary" safe>
              {t.savePreferences}
            </button>
          </form>
        </section>
      </div>
      <section class="card" aria-labelledby="change-password">
        <h2 id="change-password" safe>
          {t.passwordTitle}
        </h2>
        <form method="post" action="/compte/mot-de-passe" novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <PasswordField id="current" label={t.currentPassword} autocomplete="current-password" />
          <NewPasswordFields ui={ui} newLabel={t.newPassword} confirmLabel={t.confirmPassword} />
          <button type="submit" class="button" safe>
            {t.changePassword}
          </button>
        </form>
      </section>
      <section class="card" aria-labelledby="sessions">
        <h2 id="sessions" safe>
          {t.sessionsTitle}
        </h2>
        <table class="list table-stack">
          <caption class="inv-sr" safe>
            {t.sessionsCaption}
          </caption>
          <ColumnHeads columns={[t.device, t.ip, t.openedAt, t.lastSeen]} />
          <tbody>
            {props.sessions.map((s) => (
              <tr>
                <td
                  data-label={t.device}
                  safe
                >{`${device(ui, s.userAgent)}${s.idHash === props.currentSession ? t.thisSession : ""}`}</td>
                <td data-label={t.ip} safe>
                  {s.ip ?? ""}
                </td>
                <td data-label={t.openedAt} safe>
                  {ui.f.dateTime(s.createdAt)}
                </td>
                <td data-label={t.lastSeen} safe>
                  {ui.f.dateTime(s.lastSeenAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/compte/sessions/revoquer" class="links">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button type="submit" class="button secondary" safe>
            {t.logOutEverywhere}
          </button>
        </form>
      </section>
    </Layout>
  );
}
