import type { Children } from "@kitajs/html";
import { LOCALES, type Ui, uiFor } from "../../i18n/index.js";

export interface Branding {
  name: string;
  logoUrl?: string;
  /** Per-tenant stylesheet that sets the brand colour (keeps the CSP free of inline styles). */
  brandingCssUrl?: string;
  /** A tenant's portal: the footer links to its help and legal pages. */
  portal?: boolean;
  /** The tenant's icon (its letter on its colour); absent: the platform's neutral one. */
  faviconUrl?: string;
}

export const PLATFORM_BRANDING: Branding = { name: "E-FACTURE" };

/** Who is logged in, for the header: the identifier and the CSRF token of the logout form. */
export interface SignedIn {
  identifier: string;
  csrf: string;
}

/** The language switch: links that set the cookie (anonymous), a CSRF-protected form that also saves the account's choice. */
function LanguageSwitch(props: { ui: Ui; user?: SignedIn }) {
  const { ui } = props;
  const others = LOCALES.filter((l) => l !== ui.locale);
  return (
    <div class="lang-switch">
      {others.map((locale) =>
        props.user ? (
          <form method="post" action="/langue" class="inline">
            <input type="hidden" name="_csrf" value={props.user.csrf} />
            <input type="hidden" name="lang" value={locale} />
            <input type="hidden" name="retour" value={ui.here} />
            <button type="submit" class="link" lang={locale} aria-label={ui.t.lang.switchTo[locale]} safe>
              {ui.t.lang.names[locale]}
            </button>
          </form>
        ) : (
          <a
            href={ui.switchLinks[locale]}
            lang={locale}
            hreflang={locale}
            aria-label={ui.t.lang.switchTo[locale]}
            rel="alternate"
            safe
          >
            {ui.t.lang.names[locale]}
          </a>
        ),
      )}
    </div>
  );
}

/** The page shell every customer page shares: branded header with the language switch, main landmark, footer. */
export function Layout(props: {
  title: string;
  branding: Branding;
  /** Absent only on the French-only development pages (/_dev): French, and no language switch. */
  ui?: Ui;
  user?: SignedIn;
  children?: Children;
}) {
  const { branding } = props;
  const ui = props.ui ?? uiFor("fr");
  const customerPage = props.ui !== undefined;
  const t = ui.t.layout;
  return (
    <>
      {"<!doctype html>"}
      <html lang={ui.locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${props.title} · ${branding.name}`}</title>
          <link rel="icon" type="image/svg+xml" href={branding.faviconUrl ?? "/favicon.svg"} />
          <link rel="stylesheet" href="/assets/app.css" />
          {branding.brandingCssUrl ? <link rel="stylesheet" href={branding.brandingCssUrl} /> : ""}
        </head>
        <body>
          <a class="skip" href="#main" safe>
            {t.skip}
          </a>
          <header class="site">
            <div class="inner">
              <a class="brand" href="/">
                {branding.logoUrl ? <img src={branding.logoUrl} alt="" /> : ""}
                <span safe>{branding.name}</span>
              </a>
              {props.user ? (
                <nav class="account-nav" aria-label={t.accountNav}>
                  <a href="/factures" safe>
                    {t.myInvoices}
                  </a>
                  <a href="/compte" safe>
                    {t.myAccount}
                  </a>
                  <form method="post" action="/deconnexion" class="inline">
                    <input type="hidden" name="_csrf" value={props.user.csrf} />
                    <button type="submit" class="link" safe>
                      {t.logOut}
                    </button>
                  </form>
                  {customerPage ? <LanguageSwitch ui={ui} user={props.user} /> : ""}
                </nav>
              ) : (
                <>
                  <span class="product">E-FACTURE</span>
                  {customerPage ? <LanguageSwitch ui={ui} /> : ""}
                </>
              )}
            </div>
          </header>
          <main id="main">
            {ui.draft?.length ? (
              <p class="draft-banner" role="note">
                <strong safe>{ui.t.portalDetails.draftBanner}</strong>{" "}
                <span safe>{ui.draft.join(" · ")}</span>
              </p>
            ) : (
              ""
            )}
            {props.children}
          </main>
          <footer class="site">
            <div class="inner">
              <span safe>{t.footerTagline}</span>
              {branding.portal ? (
                <nav aria-label={t.footerNav} class="footer-nav">
                  <a href="/aide" safe>
                    {t.help}
                  </a>
                  <a href="/aide/sauvegarder" safe>
                    {t.saveHelp}
                  </a>
                  <a href="/aide/valeur-fiscale" safe>
                    {t.fiscalHelp}
                  </a>
                  <a href="/mentions-legales" safe>
                    {t.legal}
                  </a>
                  <a href="/confidentialite" safe>
                    {t.privacy}
                  </a>
                </nav>
              ) : (
                ""
              )}
              <span safe>{branding.name}</span>
            </div>
          </footer>
        </body>
      </html>
    </>
  );
}
