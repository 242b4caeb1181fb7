import { escapeHtml } from "@kitajs/html";
import { MIN_PASSWORD_LENGTH } from "../../domain/accounts/password-policy.js";
import type { Ui } from "../../i18n/index.js";
import { ContactLink } from "./contact-block.view.js";
import { type Branding, Layout } from "./layout.js";

/** "Mot de passe ou identifiant oublié" — also the first connection, as the guide tells it. */
export function ForgotPage(props: {
  ui: Ui;
  branding: Branding;
  csrf: string;
  error?: string;
  email?: string;
}) {
  const t = props.ui.t.auth;
  return (
    <Layout title={t.forgotTitle} branding={props.branding} ui={props.ui}>
      <div class="narrow card">
        <h1 safe>{t.forgotHeading}</h1>
        <p safe>{t.forgotText}</p>
        <p class="muted" safe>
          {t.forgotFirst}
        </p>
        {props.error ? (
          <p class="error" role="alert" safe>
            {props.error}
          </p>
        ) : (
          ""
        )}
        <form method="post" action="/mot-de-passe-oublie" novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <div class="field">
            <label for="email" safe>
              {t.email}
            </label>
            <input
              type="email"
              id="email"
              name="email"
              autocomplete="email"
              maxlength="320"
              required
              value={props.email ?? ""}
            />
          </div>
          <button type="submit" class="button" safe>
            {t.forgotSubmit}
          </button>
        </form>
        <p class="links">
          <a href="/">
            <span aria-hidden="true">← </span>
            {escapeHtml(t.backToLogin)}
          </a>
        </p>
      </div>
    </Layout>
  );
}

/** The one answer to every forgot request, whatever the address (docs/security.md R1). */
export function ForgotSentPage(props: { ui: Ui; branding: Branding }) {
  const t = props.ui.t.auth;
  return (
    <Layout title={t.sentTitle} branding={props.branding} ui={props.ui}>
      <div class="narrow card">
        <h1 safe>{t.sentHeading}</h1>
        <p class="success" role="status" safe>
          {t.sentText}
        </p>
        <p>
          {escapeHtml(t.sentHint)} <ContactLink ui={props.ui} />
        </p>
        <p class="links">
          <a href="/">
            <span aria-hidden="true">← </span>
            {escapeHtml(t.backToLogin)}
          </a>
        </p>
      </div>
    </Layout>
  );
}

export function PasswordRule(props: { ui: Ui }) {
  return (
    <p class="hint" id="password-rule" safe>
      {props.ui.t.auth.passwordRule}
    </p>
  );
}

/** The new password, its rule and its confirmation: the reset page and the account page ask the same way. */
export function NewPasswordFields(props: {
  ui: Ui;
  newLabel: string;
  confirmLabel: string;
  /** The last attempt was refused: announced on the field. */
  invalid?: boolean;
}) {
  return (
    <>
      <div class="field">
        <label for="password" safe>
          {props.newLabel}
        </label>
        <PasswordRule ui={props.ui} />
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="new-password"
          minlength={String(MIN_PASSWORD_LENGTH)}
          maxlength="1024"
          required
          aria-describedby="password-rule"
          aria-invalid={props.invalid === undefined ? undefined : String(props.invalid)}
        />
      </div>
      <PasswordField id="confirmation" label={props.confirmLabel} autocomplete="new-password" />
    </>
  );
}

/** Reached only through the mailed link: shows the identifier (R9) and asks for the new password twice. */
export function ResetPage(props: {
  ui: Ui;
  branding: Branding;
  csrf: string;
  identifier: string;
  action: string;
  error?: string;
}) {
  const t = props.ui.t.auth;
  return (
    <Layout title={t.resetTitle} branding={props.branding} ui={props.ui}>
      <div class="narrow card">
        <h1 safe>{t.resetHeading}</h1>
        <p safe>{t.yourIdentifier}</p>
        <p class="identifier ident" safe>
          {props.identifier}
        </p>
        <p class="muted" safe>
          {t.noteIdentifier}
        </p>
        {props.error ? (
          <p class="error" role="alert" safe>
            {props.error}
          </p>
        ) : (
          ""
        )}
        <form method="post" action={props.action} novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <NewPasswordFields
            ui={props.ui}
            newLabel={t.newPassword}
            confirmLabel={t.confirmPassword}
            invalid={props.error !== undefined}
          />
          <button type="submit" class="button" safe>
            {t.savePassword}
          </button>
        </form>
      </div>
    </Layout>
  );
}

export function ResetInvalidPage(props: { ui: Ui; branding: Branding }) {
  const t = props.ui.t.auth;
  return (
    <Layout title={t.invalidTitle} branding={props.branding} ui={props.ui}>
      <div class="narrow card">
        <h1 safe>{t.invalidHeading}</h1>
        <p safe>{t.invalidText}</p>
        <p>
          <a class="button" href="/mot-de-passe-oublie" safe>
            {t.newRequest}
          </a>
        </p>
      </div>
    </Layout>
  );
}

/**
 * A password field: its label, then the input (its name is its id), 1,024 characters at most for customers; the
 * staff forms pass 4,096 (their body schemas' limit) and may name a hint with `describedBy`.
 */
export function PasswordField(props: {
  id: string;
  label: string;
  autocomplete: "current-password" | "new-password";
  maxLength?: number;
  describedBy?: string;
}) {
  return (
    <div class="field">
      <label for={props.id} safe>
        {props.label}
      </label>
      <input
        type="password"
        id={props.id}
        name={props.id}
        autocomplete={props.autocomplete}
        maxlength={String(props.maxLength ?? 1024)}
        required
        aria-describedby={props.describedBy}
      />
    </div>
  );
}
