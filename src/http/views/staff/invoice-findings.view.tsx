import { presentFindings } from "../../stored-findings.js";

/** The back office's words for the finding codes an invoice can be published with (src/einvoice/findings.ts). */
const FINDING_TEXTS_FR: Record<string, string> = {
  profile_not_accepted_for_issuing:
    "Profil MINIMUM ou BASIC WL : pas une facture complète au sens de la réforme (publiée quand même, l’émetteur doit envoyer EN 16931 ou plus riche).",
  profile_unknown: "Profil Factur-X absent ou inconnu (BT-24).",
  totals_inconsistent: "Les totaux du document ne concordent pas (règles EN 16931 BR-CO-10 à BR-CO-16).",
  vat_breakdown_inconsistent: "Un montant de TVA ne correspond pas à sa base multipliée par son taux.",
  line_amount_inconsistent: "Le montant net d’une ligne ne correspond pas à quantité × prix net.",
  xml_declaration_invalid: "Déclaration XML invalide (encodage inconnu) : lue en UTF-8.",
  xml_not_associated: "Le XML est joint au PDF sans y être déclaré comme fichier associé (/AF).",
  multiple_invoice_xml: "Le PDF contient plusieurs XML de facture : le principal a été lu.",
  type_code_unknown: "Code de type de document (BT-3) inconnu.",
  siren_invalid: "Un SIREN ou SIRET n’a pas 9 ou 14 chiffres.",
  credit_note_negative_total: "Avoir (381) dont le total est négatif.",
  seller_not_stated:
    "Le fichier n’indique ni SIREN ni n° de TVA du vendeur : il n’a pas pu être comparé aux vendeurs déclarés du portail.",
};

const SEVERITY_FR = { error: "Erreur", warning: "Avertissement", info: "Information" } as const;

/**
 * The findings stored with one invoice, for the advisor's customer record: nothing when there are none,
 * otherwise a count that opens onto the list (French text, the code for the issuer's IT, the field).
 */
export function InvoiceFindings(props: { findings: unknown; invoiceNumber: string }) {
  const findings = presentFindings(props.findings);
  if (findings.length === 0) return "";
  const label = findings.length === 1 ? "1 avertissement" : `${findings.length} avertissements`;
  return (
    <details class="staff-findings">
      <summary aria-label={`${label} à la publication de la facture ${props.invoiceNumber}`} safe>
        {label}
      </summary>
      <ul>
        {findings.map((f) => (
          <li>
            <span class="staff-findings-severity">{SEVERITY_FR[f.severity]}</span>{" "}
            <span safe>{FINDING_TEXTS_FR[f.code] ?? f.message}</span>{" "}
            <code safe>{f.field ? `${f.code} · ${f.field}` : f.code}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}
