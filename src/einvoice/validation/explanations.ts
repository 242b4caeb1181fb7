// Short explanations, in plain words, of the rules issuers hit most: counted on the test corpus, our
// builder's invoices and the hand-made files of the tests (`npm run bench:validate` prints the counts;
// docs/compliance.md lists them). What the rule wants and what to change, not the rule's own text.

type Explanation = { fr: string; en: string };

export const EXPLANATIONS: Record<string, Explanation> = {
  XSD: {
    fr: "Le fichier XML ne respecte pas la structure du profil (schéma XSD) : un élément est mal placé, manquant ou inconnu. Corrigez la génération du XML à la ligne indiquée.",
    en: "The XML does not follow the profile's structure (XSD schema): an element is misplaced, missing or unknown. Fix the XML generation at the line given.",
  },
  "RULES-ERROR": {
    fr: "Les règles officielles n'ont pas pu s'exécuter jusqu'au bout sur cette facture (par exemple deux dates d'échéance) : elle n'est donc pas validée. Simplifiez la donnée signalée ou contactez le support.",
    en: "The official rules could not run to the end on this invoice (for example two due dates): it is therefore not validated. Simplify the data named or contact support.",
  },
  "FX-NOT-USED": {
    fr: "Une donnée présente n'existe pas dans ce profil Factur-X : elle sera ignorée par le destinataire. Retirez-la ou choisissez un profil plus riche.",
    en: "This data does not exist in this Factur-X profile: the receiver will ignore it. Remove it or use a richer profile.",
  },
  "FX-SCH-A-000026": {
    fr: "L'identifiant de profil (BT-24) ne correspond pas aux règles appliquées. Indiquez l'identifiant exact du profil Factur-X utilisé.",
    en: "The profile identifier (BT-24) does not match the rules applied. Write the exact identifier of the Factur-X profile used.",
  },
  "FX-SCH-A-000173": {
    fr: "La ventilation de TVA (au moins un bloc ApplicableTradeTax en pied de facture) est absente : indiquez la base, le taux et le montant de TVA.",
    en: "The VAT breakdown (at least one ApplicableTradeTax at document level) is missing: give the VAT basis, rate and amount.",
  },
  "FX-SCH-A-000189": {
    fr: "Le total des lignes (BT-106, LineTotalAmount) manque dans les totaux de la facture : ajoutez-le.",
    en: "The sum of line amounts (BT-106, LineTotalAmount) is missing from the invoice totals: add it.",
  },
  "PEPPOL-EN16931-R008": {
    fr: "Le XML contient un élément vide. Supprimez-le ou renseignez-le (avertissement, non bloquant).",
    en: "The XML holds an empty element. Remove it or fill it in (warning, not blocking).",
  },
  "BR-12": {
    fr: "Le total des montants nets des lignes (BT-106) est obligatoire.",
    en: "The sum of invoice line net amounts (BT-106) is mandatory.",
  },
  "BR-16": {
    fr: "Une facture doit comporter au moins une ligne (BG-25). Ajoutez les lignes facturées.",
    en: "An invoice needs at least one invoice line (BG-25). Add the lines invoiced.",
  },
  "BR-CO-10": {
    fr: "Le total des lignes (BT-106) n'est pas égal à la somme des montants nets des lignes. Recalculez-le.",
    en: "The line total (BT-106) is not the sum of the line net amounts. Recompute it.",
  },
  "BR-CO-13": {
    fr: "Le total hors TVA (BT-109) n'est pas égal au total des lignes moins les remises plus les frais de pied. Recalculez-le.",
    en: "The total without VAT (BT-109) is not the line total minus allowances plus charges. Recompute it.",
  },
  "BR-CO-14": {
    fr: "Le total de TVA (BT-110) n'est pas égal à la somme des montants de TVA par taux. Recalculez-le.",
    en: "The VAT total (BT-110) is not the sum of the VAT amounts per rate. Recompute it.",
  },
  "BR-CO-15": {
    fr: "Le total TTC (BT-112) n'est pas égal au total hors TVA plus la TVA. Corrigez le montant total.",
    en: "The total with VAT (BT-112) is not the total without VAT plus VAT. Correct the total.",
  },
  "BR-CO-16": {
    fr: "Le montant à payer (BT-115) n'est pas égal au total TTC moins l'acompte versé plus l'arrondi. Corrigez-le.",
    en: "The amount due (BT-115) is not the total with VAT minus the amount paid plus rounding. Correct it.",
  },
  "BR-CO-25": {
    fr: "Un montant reste à payer : indiquez une date d'échéance (BT-9) ou des conditions de paiement (BT-20).",
    en: "An amount is due: give a due date (BT-9) or payment terms (BT-20).",
  },
  "BR-S-08": {
    fr: "Pour chaque taux de TVA normal, la base de la ventilation doit égaler la somme des lignes à ce taux (moins remises, plus frais). Recalculez la ventilation.",
    en: "For each standard VAT rate, the breakdown's basis must equal the sum of the lines at that rate (minus allowances, plus charges). Recompute the breakdown.",
  },
  "BR-S-02": {
    fr: "Une ligne au taux normal de TVA exige le numéro de TVA intracommunautaire du vendeur (BT-31) : ajoutez-le.",
    en: "A line at the standard VAT rate requires the seller's VAT identifier (BT-31): add it.",
  },
  "BR-Z-01": {
    fr: "Une ligne au taux zéro (catégorie Z) exige une ventilation de TVA de catégorie Z : ajoutez-la.",
    en: "A zero-rated line (category Z) requires a VAT breakdown of category Z: add it.",
  },
  "BR-Z-08": {
    fr: "La base de la ventilation au taux zéro (catégorie Z) doit égaler la somme des lignes au taux zéro : recalculez-la.",
    en: "The zero-rated (category Z) breakdown's basis must equal the sum of the zero-rated lines: recompute it.",
  },
  "BR-IC-11": {
    fr: "Livraison intracommunautaire (catégorie K) : la date de livraison ou la période de facturation est obligatoire.",
    en: "Intra-community supply (category K): the delivery date or the invoicing period is mandatory.",
  },
  "BR-IC-12": {
    fr: "Livraison intracommunautaire (catégorie K) : le pays de livraison est obligatoire.",
    en: "Intra-community supply (category K): the country delivered to is mandatory.",
  },
  "CII-DT-031": {
    fr: "En CII, seuls le total de TVA porte une devise (currencyID) : retirez l'attribut currencyID des autres montants.",
    en: "In CII only the VAT total carries a currency (currencyID): remove the currencyID attribute from the other amounts.",
  },
  "CII-SR-452": {
    fr: "Une seule condition de paiement (SpecifiedTradePaymentTerms) est attendue : regroupez-les (avertissement).",
    en: "Only one set of payment terms (SpecifiedTradePaymentTerms) is expected: merge them (warning).",
  },
  "BR-FR-01": {
    fr: "Le numéro de facture (ou de la facture référencée) dépasse 35 caractères : raccourcissez-le.",
    en: "The invoice number (or the referenced invoice's) is longer than 35 characters: shorten it.",
  },
  "BR-FR-02": {
    fr: "Le numéro de facture contient des caractères interdits : seulement lettres, chiffres et + - _ /, sans espace.",
    en: "The invoice number holds forbidden characters: only letters, digits and + - _ /, no spaces.",
  },
  "BR-FR-05": {
    fr: "Les mentions légales obligatoires manquent dans les notes : indemnité forfaitaire de recouvrement (code PMT), pénalités de retard (PMD), escompte ou son absence (AAB).",
    en: "Mandatory legal notes are missing: fixed recovery fee (subject code PMT), late-payment penalties (PMD), early-payment discount or none (AAB).",
  },
  "BR-FR-08": {
    fr: "Le cadre de facturation (BT-23) manque ou n'est pas une valeur autorisée (B1 biens, S1 services, M1 mixte…). Indiquez-le dans BusinessProcessSpecifiedDocumentContextParameter.",
    en: "The billing framework (BT-23) is missing or not an allowed value (B1 goods, S1 services, M1 mixed…). Put it in BusinessProcessSpecifiedDocumentContextParameter.",
  },
  "BR-FR-10": {
    fr: "Le SIREN du vendeur (BT-30, identifiant légal de schéma 0002) est obligatoire et doit faire exactement 9 chiffres (pas le SIRET de 14).",
    en: "The seller's SIREN (BT-30, legal id with scheme 0002) is mandatory and must be exactly 9 digits (not the 14-digit SIRET).",
  },
  "BR-FR-11": {
    fr: "Facture B2B : le SIREN de l'acheteur (BT-47) est obligatoire et doit faire exactement 9 chiffres.",
    en: "B2B invoice: the buyer's SIREN (BT-47) is mandatory and must be exactly 9 digits.",
  },
  "BR-FR-12": {
    fr: "L'adresse électronique de l'acheteur (BT-49, URIUniversalCommunication) est obligatoire. En B2B : son SIREN avec le schéma 0225.",
    en: "The buyer's electronic address (BT-49, URIUniversalCommunication) is mandatory. In B2B: its SIREN with scheme 0225.",
  },
  "BR-FR-13": {
    fr: "L'adresse électronique du vendeur (BT-34, URIUniversalCommunication) est obligatoire, par exemple son SIREN avec le schéma 0225.",
    en: "The seller's electronic address (BT-34, URIUniversalCommunication) is mandatory, e.g. its SIREN with scheme 0225.",
  },
  "BR-FR-16": {
    fr: "Un taux de TVA n'est pas un taux français autorisé (20, 10, 5.5, 2.1, 0…) ou contient un « % ». Corrigez le taux.",
    en: "A VAT rate is not an allowed French rate (20, 10, 5.5, 2.1, 0…) or contains a '%'. Correct the rate.",
  },
  "BR-FR-20": {
    fr: "La note de routage (code BAR) doit valoir B2B, B2BINT, B2C, OUTOFSCOPE ou ARCHIVEONLY.",
    en: "The routing note (subject code BAR) must be B2B, B2BINT, B2C, OUTOFSCOPE or ARCHIVEONLY.",
  },
  "BR-FR-21": {
    fr: "Facture B2B : l'adresse électronique de l'acheteur (BT-49) doit commencer par son SIREN, avec le schéma 0225.",
    en: "B2B invoice: the buyer's electronic address (BT-49) must start with its SIREN, with scheme 0225.",
  },
  "BR-FR-23": {
    fr: "Une adresse électronique de schéma 0225 contient des caractères interdits : seulement lettres, chiffres et + - _ .",
    en: "An electronic address with scheme 0225 holds forbidden characters: only letters, digits and + - _ .",
  },
  "BR-FR-31": {
    fr: "Plusieurs notes de routage (code BAR) : une seule est permise.",
    en: "Several routing notes (subject code BAR): only one is allowed.",
  },
  "BR-FR-32": {
    fr: "Un identifiant légal de schéma 0002 (SIREN) doit faire exactement 9 chiffres : n'y mettez pas le SIRET.",
    en: "A legal identifier with scheme 0002 (SIREN) must be exactly 9 digits: do not put the SIRET there.",
  },
  "BR-FR-CO-07": {
    fr: "La date d'échéance (BT-9) est antérieure à la date de facture (BT-2) : corrigez-la (sauf acompte).",
    en: "The due date (BT-9) is before the invoice date (BT-2): correct it (except for prepayments).",
  },
  "BR-FR-DEC-03": {
    fr: "Un prix unitaire (BT-146 à BT-148) est négatif ou a plus de 6 décimales : un avoir se fait avec le type 381 et des prix positifs.",
    en: "A unit price (BT-146 to BT-148) is negative or has more than 6 decimals: a credit note uses type 381 with positive prices.",
  },
};

/** The explanation of a rule, or null for rules issuers rarely hit (their own message then stands). */
export function explanationOf(rule: string): Explanation | null {
  return EXPLANATIONS[rule] ?? null;
}
