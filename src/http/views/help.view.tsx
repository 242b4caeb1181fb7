import { escapeHtml } from "@kitajs/html";
import type { ContactDetails } from "../../domain/tenants/portal-details.js";
import type { HelpPage as HelpContent, Ui } from "../../i18n/index.js";
import type { LegalDetail, LegalKey } from "../tenant-help.js";
import { CONTACT_ANCHOR, ContactBlock } from "./contact-block.view.js";
import { FaqList } from "./home.view.js";
import { type Branding, Layout } from "./layout.js";

type HelpPath =
  | "/aide"
  | "/aide/sauvegarder"
  | "/aide/valeur-fiscale"
  | "/mentions-legales"
  | "/confidentialite";

/** Links between the help and legal pages; the current one is marked for assistive technology. */
function HelpNav(props: { ui: Ui; current: HelpPath }) {
  const t = props.ui.t.layout;
  const pages: [HelpPath, string][] = [
    ["/aide", t.help],
    ["/aide/sauvegarder", t.saveHelp],
    ["/aide/valeur-fiscale", t.fiscalHelp],
    ["/mentions-legales", t.legal],
    ["/confidentialite", t.privacy],
  ];
  return (
    <nav class="help-nav" aria-label={props.ui.t.help.navLabel}>
      <ul>
        {pages.map(([href, label]) => (
          <li>
            <a href={href} aria-current={href === props.current ? "page" : undefined} safe>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** `/aide`: the issuer's own FAQ (markdown rendered without raw HTML) then the platform's standard FAQ. */
export function FaqPage(props: {
  ui: Ui;
  branding: Branding;
  retentionMonths: number;
  safeTenantFaq?: string;
  contact?: ContactDetails;
}) {
  const { ui, safeTenantFaq, contact } = props;
  const t = ui.t.help;
  return (
    <Layout title={t.faqTitle} branding={props.branding} ui={ui}>
      <HelpNav ui={ui} current="/aide" />
      <h1 safe>{t.faqTitle}</h1>
      <p class="lead" safe>
        {t.faqLead(props.branding.name)}
      </p>
      {safeTenantFaq ? (
        <section class="card help-md" aria-labelledby="tenant-faq">
          <h2 id="tenant-faq" safe>
            {t.tenantFaqTitle(props.branding.name)}
          </h2>
          {safeTenantFaq}
        </section>
      ) : (
        ""
      )}
      <section class="card faq" aria-labelledby="platform-faq">
        <h2 id="platform-faq" safe>
          {t.platformFaqTitle}
        </h2>
        <FaqList
          entries={ui.t.faq(ui.t.retention(props.retentionMonths))}
          contactLink={
            contact ? { href: `#${CONTACT_ANCHOR}`, label: ui.t.portalDetails.seeContact } : undefined
          }
        />
      </section>
      {contact ? <ContactBlock ui={ui} issuer={props.branding.name} contact={contact} /> : ""}
    </Layout>
  );
}

/** `/aide/sauvegarder` and `/aide/valeur-fiscale`: sections of plain text from the message files. */
export function HelpArticlePage(props: {
  ui: Ui;
  branding: Branding;
  content: HelpContent;
  path: HelpPath;
  contact?: ContactDetails;
}) {
  const { ui, content } = props;
  return (
    <Layout title={content.title} branding={props.branding} ui={ui}>
      <HelpNav ui={ui} current={props.path} />
      <article class="help-article">
        <h1 safe>{content.title}</h1>
        <p class="lead" safe>
          {content.lead}
        </p>
        {content.sections.map((section) => (
          <section class="card">
            <h2 safe>{section.h}</h2>
            {section.p.map((p) => (
              <p safe>{p}</p>
            ))}
            {section.commands ? (
              <ul class="det-commands">
                {section.commands.map((c) => (
                  <li>
                    <span class="det-os" safe>
                      {c.label}
                    </span>{" "}
                    <code safe>{c.code}</code>
                  </li>
                ))}
              </ul>
            ) : (
              ""
            )}
          </section>
        ))}
      </article>
      {props.contact ? <ContactBlock ui={ui} issuer={props.branding.name} contact={props.contact} /> : ""}
    </Layout>
  );
}

function Detail(props: { detail: LegalDetail; email?: boolean }) {
  const { detail } = props;
  if (props.email && !detail.fromOperator && /^[^\s@<>"]+@[^\s@<>"]+$/.test(detail.value))
    return (
      <a href={`mailto:${detail.value}`} safe>
        {detail.value}
      </a>
    );
  return detail.fromOperator ? (
    <span class="legal-operator" safe>
      {detail.value}
    </span>
  ) : (
    <span safe>{detail.value}</span>
  );
}

/** `/mentions-legales`: the issuer's details, the operator's where the issuer gave none. */
export function LegalNoticePage(props: { ui: Ui; branding: Branding; legal: Record<LegalKey, LegalDetail> }) {
  const { ui, legal } = props;
  const t = ui.t.legal;
  // The host's phone is optional: when absent it is left out, not replaced.
  const anyFromOperator = Object.entries(legal).some(([key, d]) => key !== "hostPhone" && d.fromOperator);
  return (
    <Layout title={t.noticeTitle} branding={props.branding} ui={ui}>
      <HelpNav ui={ui} current="/mentions-legales" />
      <h1 safe>{t.noticeTitle}</h1>
      <p class="lead" safe>
        {t.noticeLead(props.branding.name)}
      </p>
      <section class="card" aria-labelledby="publisher">
        <h2 id="publisher" safe>
          {t.publisherTitle}
        </h2>
        <dl class="facts">
          <dt safe>{t.company}</dt>
          <dd>
            <Detail detail={legal.companyName} />
          </dd>
          <dt safe>{t.address}</dt>
          <dd>
            <Detail detail={legal.address} />
          </dd>
          <dt safe>{t.siren}</dt>
          <dd>
            <Detail detail={legal.siren} />
          </dd>
          <dt safe>{t.contact}</dt>
          <dd>
            <Detail detail={legal.contactEmail} email />
          </dd>
          <dt safe>{t.publicationDirector}</dt>
          <dd>
            <Detail detail={legal.publisherName} />
          </dd>
          <dt safe>{ui.t.portalDetails.dpo}</dt>
          <dd>
            <Detail detail={legal.dpoEmail} email />
          </dd>
        </dl>
        {anyFromOperator ? (
          <p class="muted" safe>
            {t.operatorNote}
          </p>
        ) : (
          ""
        )}
      </section>
      <section class="card" aria-labelledby="host">
        <h2 id="host" safe>
          {t.hostTitle}
        </h2>
        <p safe>{t.hostText}</p>
        <dl class="facts">
          <dt safe>{ui.t.portalDetails.hostName}</dt>
          <dd>
            <Detail detail={legal.hostName} />
          </dd>
          <dt safe>{ui.t.portalDetails.hostAddress}</dt>
          <dd>
            <Detail detail={legal.hostAddress} />
          </dd>
          {legal.hostPhone.fromOperator ? (
            ""
          ) : (
            <>
              <dt safe>{ui.t.portalDetails.hostPhone}</dt>
              <dd>
                <Detail detail={legal.hostPhone} />
              </dd>
            </>
          )}
        </dl>
      </section>
    </Layout>
  );
}

/** `/confidentialite`: what the portal does with personal data, with the issuer's controller and DPO. */
export function PrivacyPage(props: {
  ui: Ui;
  branding: Branding;
  legal: Record<LegalKey, LegalDetail>;
  retentionMonths: number;
}) {
  const { ui, legal } = props;
  const t = ui.t.legal;
  return (
    <Layout title={t.privacyTitle} branding={props.branding} ui={ui}>
      <HelpNav ui={ui} current="/confidentialite" />
      <h1 safe>{t.privacyTitle}</h1>
      <p class="lead" safe>
        {t.privacyLead(props.branding.name)}
      </p>
      <section class="card" aria-labelledby="controller">
        <h2 id="controller" safe>
          {t.controllerTitle}
        </h2>
        <p safe>{t.controllerText(legal.companyName.value)}</p>
        <p>
          <Detail detail={legal.address} />
        </p>
      </section>
      <section class="card" aria-labelledby="data">
        <h2 id="data" safe>
          {t.dataTitle}
        </h2>
        <ul>
          {t.dataItems.map((item) => (
            <li safe>{item}</li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="purpose">
        <h2 id="purpose" safe>
          {t.purposeTitle}
        </h2>
        <p safe>{t.purposeText}</p>
      </section>
      <section class="card" aria-labelledby="duration">
        <h2 id="duration" safe>
          {t.durationTitle}
        </h2>
        <p safe>{t.durationText(ui.t.retention(props.retentionMonths))}</p>
      </section>
      <section class="card" aria-labelledby="cookies">
        <h2 id="cookies" safe>
          {t.cookiesTitle}
        </h2>
        <p safe>{t.cookiesText}</p>
      </section>
      <section class="card" aria-labelledby="rights">
        <h2 id="rights" safe>
          {t.rightsTitle}
        </h2>
        <p>
          {escapeHtml(t.rightsText)} <Detail detail={legal.dpoEmail} email />
        </p>
        <p safe>{t.complaint}</p>
      </section>
    </Layout>
  );
}
