import { escapeHtml } from "@kitajs/html";
import { messagesFor, type Ui, uiFor } from "../../i18n/index.js";
import { type Branding, Layout, PLATFORM_BRANDING, type SignedIn } from "./layout.js";
import { type StaffHeader, StaffLayout } from "./staff/staff-layout.js";

/** A host that names no portal (unknown issuer): says so plainly, in both languages, reveals nothing else. */
export function NoPortalPage(props: { host: string; ui: Ui }) {
  const { ui } = props;
  const other = ui.locale === "fr" ? ("en" as const) : ("fr" as const);
  const t = ui.t.errors;
  return (
    <Layout title={t.noPortalTitle} branding={PLATFORM_BRANDING} ui={ui}>
      <div class="center card error-page">
        <h1 safe>{t.noPortalTitle}</h1>
        <p safe>{t.noPortalText(props.host)}</p>
        <p class="muted" safe>
          {t.noPortalHint}
        </p>
        <p class="muted" lang={other} safe>
          {messagesFor(other).errors.noPortalText(props.host)}
        </p>
      </div>
    </Layout>
  );
}

/**
 * An error page in the visitor's language, in the tenant's colours when on a portal. It says what happened
 * in words; the status and the request id are a small reference for the advisor, not the headline.
 */
export function ErrorPage(props: {
  ui: Ui;
  status: number;
  title: string;
  message: string;
  requestId?: string;
  branding?: Branding;
  /** A logged-in customer keeps the header (invoices, account, logout). */
  user?: SignedIn;
  /** Where the page offers to go back to (default: the home page). */
  back?: { href: string; label: string };
}) {
  const t = props.ui.t.errors;
  const back = props.back ?? { href: "/", label: t.backHome };
  return (
    <Layout
      title={props.title}
      branding={props.branding ?? PLATFORM_BRANDING}
      ui={props.ui}
      user={props.user}
    >
      <div class="center card error-page">
        <h1 safe>{props.title}</h1>
        <p safe>{props.message}</p>
        <p>
          <a class="button secondary" href={back.href} safe>
            {back.label}
          </a>
        </p>
        <ErrorReference errors={t} status={props.status} requestId={props.requestId} />
      </div>
    </Layout>
  );
}

/** A back-office error (French only): the staff shell, with its navigation when an advisor is logged in. */
export function StaffErrorPage(props: {
  status: number;
  title: string;
  message: string;
  requestId?: string;
  branding?: Branding;
  staff?: StaffHeader;
}) {
  const t = uiFor("fr").t.errors;
  return (
    <StaffLayout title={props.title} branding={props.branding ?? PLATFORM_BRANDING} staff={props.staff}>
      <div class="center card error-page">
        <h1 safe>{props.title}</h1>
        <p safe>{props.message}</p>
        <p>
          <a class="button secondary" href={props.staff ? "/conseiller" : "/conseiller/connexion"}>
            {props.staff ? "Retour à la recherche" : "Aller à la connexion"}
          </a>
        </p>
        <ErrorReference errors={t} status={props.status} requestId={props.requestId} />
      </div>
    </StaffLayout>
  );
}

/** The small reference at the foot of every error page: the status code and, when known, the request id. */
export function ErrorReference(props: { errors: Ui["t"]["errors"]; status: number; requestId?: string }) {
  const t = props.errors;
  return (
    <p class="error-ref">
      <span class="nowrap" safe>
        {t.statusRef(props.status)}
      </span>
      {props.requestId ? (
        <>
          {" · "}
          <span class="nowrap">
            {escapeHtml(t.requestRef)}{" "}
            <code class="ident" safe>
              {props.requestId}
            </code>
          </span>
        </>
      ) : (
        ""
      )}
    </p>
  );
}
