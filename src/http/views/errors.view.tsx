import { escapeHtml } from "@kitajs/html";
import { messagesFor, type Ui } from "../../i18n/index.js";
import { type Branding, Layout, PLATFORM_BRANDING, type SignedIn } from "./layout.js";

/** A host that names no portal (unknown issuer): says so plainly, in both languages, reveals nothing else. */
export function NoPortalPage(props: { host: string; ui: Ui }) {
  const { ui } = props;
  const other = ui.locale === "fr" ? ("en" as const) : ("fr" as const);
  const t = ui.t.errors;
  return (
    <Layout title={t.noPortalTitle} branding={PLATFORM_BRANDING} ui={ui}>
      <div class="center card">
        <p class="code">404</p>
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

/** An error page in the visitor's language, in the tenant's colours when on a portal. */
export function ErrorPage(props: {
  ui: Ui;
  status: number;
  title: string;
  message: string;
  requestId?: string;
  branding?: Branding;
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
      <div class="center card det-problem">
        <p class="code" safe>
          {String(props.status)}
        </p>
        <h1 safe>{props.title}</h1>
        <p safe>{props.message}</p>
        {props.requestId ? (
          <p class="muted">
            {escapeHtml(t.requestRef)} <code safe>{props.requestId}</code>
          </p>
        ) : (
          ""
        )}
        <p>
          <a class="button secondary" href={back.href} safe>
            {back.label}
          </a>
        </p>
      </div>
    </Layout>
  );
}
