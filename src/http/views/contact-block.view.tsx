import type { ContactDetails } from "../../domain/tenants/portal-details.js";
import type { Ui } from "../../i18n/index.js";

/** The anchor every « contactez votre conseiller(e) clientèle » leads to (home page and /aide carry the block). */
export const CONTACT_ANCHOR = "contact";

/** The issuer's customer-service block (`tenants.settings.contact`): how to call, write or fill in its form. */
export function ContactBlock(props: { ui: Ui; issuer: string; contact: ContactDetails }) {
  const { contact } = props;
  const t = props.ui.t.portalDetails;
  const telHref = `tel:${contact.phone.replace(/[^+0-9]/g, "")}`;
  return (
    <section class="card contact-block" id={CONTACT_ANCHOR} aria-labelledby="contact-title">
      <h2 id="contact-title" safe>
        {t.contactTitle}
      </h2>
      <p safe>{t.contactLead(props.issuer)}</p>
      <dl class="facts contact-facts">
        {contact.phone ? (
          <>
            <dt safe>{t.phone}</dt>
            <dd>
              <a href={telHref} class="contact-phone" safe>
                {contact.phone}
              </a>
            </dd>
          </>
        ) : (
          ""
        )}
        {contact.hours ? (
          <>
            <dt safe>{t.hours}</dt>
            <dd safe>{contact.hours}</dd>
          </>
        ) : (
          ""
        )}
        {contact.email ? (
          <>
            <dt safe>{t.email}</dt>
            <dd>
              <a href={`mailto:${contact.email}`} safe>
                {contact.email}
              </a>
            </dd>
          </>
        ) : (
          ""
        )}
        {contact.formUrl ? (
          <>
            <dt safe>{t.form}</dt>
            <dd>
              <a href={contact.formUrl} rel="noopener noreferrer" safe>
                {t.formLink}
              </a>
            </dd>
          </>
        ) : (
          ""
        )}
        {contact.address ? (
          <>
            <dt safe>{t.address}</dt>
            <dd class="contact-address" safe>
              {contact.address}
            </dd>
          </>
        ) : (
          ""
        )}
      </dl>
    </section>
  );
}

/** Put after a text that says « contactez votre conseiller(e) clientèle »: a link to the issuer's block. */
export function ContactLink(props: { ui: Ui; href?: string }) {
  return (
    <a class="contact-link" href={props.href ?? `/aide#${CONTACT_ANCHOR}`} safe>
      {props.ui.t.portalDetails.seeContact}
    </a>
  );
}
