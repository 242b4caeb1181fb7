import type { Children } from "@kitajs/html";
import type { Branding } from "../layout.js";
import { ROLE_LABELS } from "./messages.fr.js";

export interface StaffHeader {
  name: string;
  role: "advisor" | "admin";
  csrf: string;
}

/** The back-office shell: the tenant's name, « Espace conseiller », the staff navigation and logout. */
export function StaffLayout(props: {
  title: string;
  branding: Branding;
  staff?: StaffHeader;
  current?: "search" | "journal" | "pa" | "admin";
  children?: Children;
}) {
  const { branding, staff } = props;
  const link = (href: string, key: string, label: string) => (
    <a href={href} aria-current={props.current === key ? "page" : undefined} safe>
      {label}
    </a>
  );
  return (
    <>
      {"<!doctype html>"}
      <html lang="fr">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title safe>{`${props.title} · Espace conseiller · ${branding.name}`}</title>
          <link rel="icon" type="image/svg+xml" href={branding.faviconUrl ?? "/favicon.svg"} />
          <link rel="stylesheet" href="/assets/app.css" />
          <link rel="stylesheet" href="/assets/staff.css" />
          {branding.brandingCssUrl ? <link rel="stylesheet" href={branding.brandingCssUrl} /> : ""}
        </head>
        <body class="staff">
          <a class="skip" href="#main">
            Aller au contenu
          </a>
          <header class="site">
            <div class="inner">
              <a class="brand" href="/conseiller">
                {branding.logoUrl ? <img src={branding.logoUrl} alt="" /> : ""}
                <span safe>{branding.name}</span>
                <span class="staff-badge">Espace conseiller</span>
              </a>
              {staff ? (
                <nav class="account-nav" aria-label="Espace conseiller">
                  {link("/conseiller", "search", "Recherche")}
                  {link("/conseiller/journal", "journal", "Journal")}
                  {link("/conseiller/plateforme", "pa", "Plateforme agréée")}
                  {staff.role === "admin" ? link("/conseiller/admin", "admin", "Administration") : ""}
                  <span class="staff-who">
                    <span safe>{staff.name}</span>{" "}
                    <span class="staff-role" safe>{`(${ROLE_LABELS[staff.role]})`}</span>
                  </span>
                  <form method="post" action="/conseiller/deconnexion" class="inline">
                    <input type="hidden" name="_csrf" value={staff.csrf} />
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
          <main id="main" class="staff-main">
            {props.children}
          </main>
          <footer class="site">
            <div class="inner">
              <span>E-FACTURE · espace conseiller · chaque consultation est journalisée</span>
              <span safe>{branding.name}</span>
            </div>
          </footer>
        </body>
      </html>
    </>
  );
}

export function Message(props: { message?: { kind: "error" | "success"; text: string } }) {
  if (!props.message) return "";
  return props.message.kind === "error" ? (
    <p class="error" role="alert" safe>
      {props.message.text}
    </p>
  ) : (
    <p class="success" role="status" safe>
      {props.message.text}
    </p>
  );
}

const PARIS = "Europe/Paris";

/** « 12 mars 2026 à 14:05 » (Paris time). */
export function frDateTime(at: Date | string | null | undefined): string {
  if (!at) return "—";
  const d = new Date(at);
  const date = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: PARIS }).format(d);
  const time = new Intl.DateTimeFormat("fr-FR", { timeStyle: "short", timeZone: PARIS }).format(d);
  return `${date} à ${time}`;
}

export function frDate(at: Date | string | null | undefined): string {
  if (!at) return "—";
  return new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: PARIS }).format(new Date(at));
}
