import type { Children } from "@kitajs/html";

export interface Branding {
  name: string;
  logoUrl?: string;
  /** Per-tenant stylesheet that sets the brand colour (keeps the CSP free of inline styles). */
  brandingCssUrl?: string;
}

export const PLATFORM_BRANDING: Branding = { name: "E-FACTURE" };

/** The page shell every page shares: branded header, main landmark, footer. French unless `lang` says otherwise. */
/** Who is logged in, for the header: the identifier and the CSRF token of the logout form. */
export interface SignedIn {
  identifier: string;
  csrf: string;
}

export function Layout(props: {
  title: string;
  branding: Branding;
  lang?: "fr" | "en";
  user?: SignedIn;
  children?: Children;
}) {
  const { branding } = props;
  return (
    <>
      {"<!doctype html>"}
      <html lang={props.lang ?? "fr"}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${props.title} · ${branding.name}`}</title>
          <link rel="stylesheet" href="/assets/app.css" />
          {branding.brandingCssUrl ? <link rel="stylesheet" href={branding.brandingCssUrl} /> : ""}
        </head>
        <body>
          <a class="skip" href="#main">
            Aller au contenu
          </a>
          <header class="site">
            <div class="inner">
              <a class="brand" href="/">
                {branding.logoUrl ? <img src={branding.logoUrl} alt="" /> : ""}
                <span safe>{branding.name}</span>
              </a>
              {props.user ? (
                <nav class="account-nav" aria-label="Mon espace">
                  <a href="/factures">Mes factures</a>
                  <a href="/compte">Mon compte</a>
                  <form method="post" action="/deconnexion" class="inline">
                    <input type="hidden" name="_csrf" value={props.user.csrf} />
                    <button type="submit" class="link">
                      Se déconnecter
                    </button>
                  </form>
                </nav>
              ) : (
                <span class="product">E-FACTURE</span>
              )}
            </div>
          </header>
          <main id="main">{props.children}</main>
          <footer class="site">
            <div class="inner">
              <span>E-FACTURE · originaux de factures en ligne</span>
              <span safe>{branding.name}</span>
            </div>
          </footer>
        </body>
      </html>
    </>
  );
}
