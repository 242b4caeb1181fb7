import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../domain/accounts/password-policy.js";
import type { InvoiceSort } from "../http/invoice-filters.js";
import { formatsFor } from "./format.js";

// The portal's customer-facing texts, French (the source). `en.ts` has the same shape: a key missing
// there does not compile. Plurals and interpolation are small functions; dates and amounts arrive
// already formatted (src/i18n/format.ts), counts are formatted here with the language's grouping.
const n = (value: number) => formatsFor("fr").count(value);
const s = (value: number, one: string, many: string) => (value > 1 ? many : one);

/** One FAQ entry: a question and its answer paragraphs. */
export interface FaqEntry {
  q: string;
  a: string[];
  /** The answer sends the customer to their advisor: the page adds a link to the issuer's contact block. */
  contact?: boolean;
}

/** A help page: a title, a lead paragraph, sections of paragraphs (and optional command lines). */
export interface HelpPage {
  title: string;
  lead: string;
  sections: { h: string; p: string[]; commands?: { label: string; code: string }[] }[];
}

export const fr = {
  lang: {
    /** The name of each language in itself, for the switch. */
    names: { fr: "Français", en: "English" },
    switchLabel: "Langue",
    /** Read by screen readers on the switch link: the language the link leads to, in that language. */
    switchTo: { fr: "Afficher le portail en français", en: "Show the portal in English" },
  },
  layout: {
    skip: "Aller au contenu",
    accountNav: "Mon espace",
    myInvoices: "Mes factures",
    myAccount: "Mon compte",
    logOut: "Se déconnecter",
    footerTagline: "E-FACTURE · originaux de factures en ligne",
    footerNav: "Aide et informations",
    help: "Aide",
    saveHelp: "Sauvegarder ses factures",
    fiscalHelp: "Valeur fiscale",
    legal: "Mentions légales",
    privacy: "Confidentialité",
  },
  errors: {
    requestRef: "Référence de la demande :",
    backToInvoices: "Retour à mes factures",
    backHome: "Retour à l’accueil",
    notFoundTitle: "Page introuvable",
    notFoundText: "Cette page n’existe pas ou n’est plus disponible.",
    unavailableTitle: "Service momentanément indisponible",
    unavailableText: "Le service est momentanément indisponible. Merci de réessayer dans quelques instants.",
    refusedTitle: "Demande refusée",
    refusedText:
      "Cette demande ne peut pas être traitée. Vérifiez les informations saisies puis recommencez.",
    badRequestTitle: "Demande incorrecte",
    badRequestText: "La demande n’a pas pu être traitée.",
    forbiddenTitle: "Demande refusée",
    forbiddenText:
      "Ce formulaire a expiré ou ne provient pas de ce portail. Rechargez la page puis recommencez.",
    unexpectedTitle: "Erreur inattendue",
    unexpectedText: "Une erreur inattendue s’est produite. Nos équipes en sont informées.",
    noPortalTitle: "Aucun portail à cette adresse",
    noPortalText: (host: string) => `Il n’existe pas de portail E-FACTURE à l’adresse ${host}.`,
    noPortalHint:
      "Vérifiez le lien figurant dans le mail d’activation ou sur vos documents, ou contactez votre conseiller(e) clientèle.",
    // Error pages in words (issue #13 item 14): the status is a small reference, never the headline.
    statusRef: (status: number) => `Code d’erreur\u00a0: ${status}`,
    invoiceNotFoundTitle: "Facture introuvable",
    invoiceNotFoundText: "Cette facture n’existe pas ou n’est plus disponible.",
  },
  platform: {
    title: "Portail des factures",
    text: "Chaque émetteur dispose de son propre portail, à l’adresse indiquée dans votre mail d’activation ou sur vos documents.",
    devOutbox: "Développement : les mails envoyés sont visibles dans",
    devOutboxLink: "la boîte d’envoi",
  },
  retention: (months: number) =>
    months % 12 === 0 ? `${months / 12} an${months === 12 ? "" : "s"}` : `${months} mois`,
  home: {
    title: "Accueil",
    heading: (issuer: string) => `Vos factures ${issuer} en ligne`,
    lead: "Associé à vos contrats, le service E-FACTURE vous permet d’obtenir directement sur internet vos originaux de factures, en lieu et place de la facture papier.",
    notice: (duration: string) => [
      "Vos factures restent disponibles ",
      duration,
      " sur ce portail. Pensez à les récupérer et à les sauvegarder pendant ce délai afin d’être en conformité fiscale.",
    ],
    loginTitle: "Accéder à mes factures",
    identifier: "Identifiant",
    identifierHint: "Il figure dans votre mail d’activation (par exemple K7QM-4TZP).",
    password: "Mot de passe",
    logIn: "Se connecter",
    forgotLink: "Mot de passe ou identifiant oublié ?",
    firstTitle: "Première connexion",
    firstSteps: [
      "Vous recevez un mail d’activation de compte, contenant votre identifiant, lorsque votre prochaine facture est émise.",
      "Cliquez sur le lien « Mot de passe ou identifiant oublié ? » et saisissez l’adresse mail sur laquelle vous avez reçu ce mail d’activation.",
      "Vous recevez un mail de réinitialisation qui vous permet de personnaliser votre mot de passe.",
      "Connectez-vous avec votre identifiant et votre nouveau mot de passe.",
    ],
    faqTitle: "Questions fréquentes",
    moreHelp: "Toute l’aide : sauvegarder ses factures, valeur fiscale, questions fréquentes",
    messages: {
      "password-set":
        "Votre mot de passe est enregistré. Connectez-vous avec votre identifiant et ce mot de passe.",
      "logged-out": "Vous êtes déconnecté(e).",
      session: "Votre session a expiré ou a été fermée. Merci de vous reconnecter.",
    } as Record<string, string>,
    loginFailed:
      "Identifiant ou mot de passe incorrect. Si c’est votre première connexion, ou en cas d’oubli, utilisez « Mot de passe ou identifiant oublié ? ».",
    throttled: (minutes: number) =>
      `Trop de tentatives de connexion. Réessayez dans ${minutes} minute${minutes > 1 ? "s" : ""}, ou utilisez « Mot de passe ou identifiant oublié ? ».`,
  },
  /** The platform's standard FAQ (home page and /aide). */
  faq: (duration: string): FaqEntry[] => [
    {
      q: "Je n’ai pas reçu de mail d’activation",
      contact: true,
      a: [
        "Contactez votre conseiller(e) clientèle afin qu’il vérifie l’adresse mail enregistrée. Munissez-vous de votre ou vos numéros clients et indiquez l’adresse sur laquelle vous souhaitez recevoir le mail d’activation contenant votre identifiant. Vous le recevrez lorsque la prochaine facture sera émise.",
      ],
    },
    {
      q: "C’est ma première connexion",
      a: [
        "Avant votre première connexion, cliquez sur « Mot de passe ou identifiant oublié ? » pour définir votre mot de passe. Saisissez l’adresse mail sur laquelle vous avez reçu le mail d’activation : vous recevrez un mail de réinitialisation qui vous permettra de personnaliser votre mot de passe.",
      ],
    },
    {
      q: "J’ai oublié mon mot de passe",
      a: ["Cliquez sur le lien « Mot de passe ou identifiant oublié ? » et suivez les instructions."],
    },
    {
      q: "J’ai oublié mon identifiant",
      a: [
        "Cliquez sur le lien « Mot de passe ou identifiant oublié ? » et suivez les instructions : votre identifiant est affiché sur la page de réinitialisation du mot de passe.",
      ],
    },
    {
      q: "Combien de temps mes factures restent-elles disponibles ?",
      a: [
        `Chaque facture reste disponible ${duration} après sa mise en ligne. La date de retrait est indiquée pour chaque facture, et un rappel vous est envoyé avant son retrait.`,
      ],
    },
    {
      q: "Ces factures ont-elles une valeur fiscale ?",
      a: [
        "Oui. Les originaux de factures transmis sur E-FACTURE ont la même valeur fiscale que les factures au format papier, notamment au regard du droit à déduction de la TVA. Le fichier téléchargé est l’original publié, octet pour octet.",
      ],
    },
    {
      q: "Comment sauvegarder mes factures ?",
      a: [
        "Téléchargez chaque facture (PDF) ou toutes vos factures en une fois, et conservez-les sur votre ordinateur ou votre outil d’archivage. La loi impose de conserver les factures 6 ans (10 ans pour les pièces comptables) : le portail ne les garde en ligne que pendant la durée indiquée ci-dessus.",
      ],
    },
    {
      q: "Qui contacter ?",
      contact: true,
      a: [
        "Pour toute question sur vos factures, vos contrats ou l’adresse mail enregistrée, contactez votre conseiller(e) clientèle, muni(e) de votre ou vos numéros clients.",
      ],
    },
  ],
  auth: {
    forgotTitle: "Mot de passe ou identifiant oublié",
    forgotHeading: "Mot de passe ou identifiant oublié ?",
    forgotText:
      "Saisissez l’adresse mail sur laquelle vous avez reçu votre mail d’activation de compte. Vous recevrez un mail de réinitialisation qui vous permettra de personnaliser votre mot de passe ; votre identifiant sera affiché sur la page de réinitialisation.",
    forgotFirst: "C’est aussi ainsi que l’on définit son mot de passe avant la première connexion.",
    email: "Adresse mail",
    forgotSubmit: "Recevoir le mail de réinitialisation",
    backToLogin: "Retour à la connexion",
    sentTitle: "Demande enregistrée",
    sentHeading: "Vérifiez votre messagerie",
    sentText:
      "Si un compte correspond à cette adresse, vous allez recevoir un e-mail contenant un lien pour personnaliser votre mot de passe. Ce lien est valable 60 minutes.",
    sentHint:
      "Pensez à vérifier vos courriers indésirables. Si vous ne recevez rien, votre adresse n’est peut-être pas celle enregistrée : contactez votre conseiller(e) clientèle, muni(e) de votre ou vos numéros clients.",
    passwordRule: `Choisissez au moins ${MIN_PASSWORD_LENGTH} caractères. Pas de règle de majuscules ni de caractères spéciaux : une phrase de plusieurs mots, facile à retenir pour vous, est idéale (par exemple « le vélo bleu dort au garage »). Les mots de passe trop courants sont refusés.`,
    resetTitle: "Personnaliser votre mot de passe",
    resetHeading: "Personnalisez votre mot de passe",
    yourIdentifier: "Votre identifiant de connexion est :",
    noteIdentifier: "Notez-le : c’est lui que vous saisirez, avec votre mot de passe, pour vous connecter.",
    newPassword: "Nouveau mot de passe",
    confirmPassword: "Confirmez le mot de passe",
    savePassword: "Enregistrer mon mot de passe",
    invalidTitle: "Lien expiré ou déjà utilisé",
    invalidHeading: "Ce lien n’est plus valable",
    invalidText:
      "Un lien de réinitialisation ne sert qu’une fois et expire au bout de 60 minutes ; une nouvelle demande annule aussi les liens précédents.",
    newRequest: "Faire une nouvelle demande",
  },
  /** Password policy problems (domain codes of password-policy.ts) and the wrong current password. */
  passwordProblems: {
    too_short: `Votre mot de passe doit comporter au moins ${MIN_PASSWORD_LENGTH} caractères.`,
    too_long: `Votre mot de passe ne peut pas dépasser ${MAX_PASSWORD_LENGTH} caractères.`,
    common:
      "Ce mot de passe figure parmi les plus utilisés et serait vite deviné. Choisissez-en un autre, par exemple une phrase de plusieurs mots.",
    mismatch: "Les deux mots de passe saisis ne sont pas identiques.",
    wrong_current: "Le mot de passe actuel saisi est incorrect.",
  },
  account: {
    changeThrottled: (minutes: number) =>
      `Trop de tentatives avec un mot de passe actuel erroné. Réessayez dans ${minutes} minute${minutes > 1 ? "s" : ""}, ou utilisez « Mot de passe ou identifiant oublié ? » après vous être déconnecté(e).`,
    title: "Mon compte",
    identityTitle: "Mes informations",
    identifier: "Identifiant",
    email: "Adresse mail enregistrée",
    customerNumbers: "Numéro(s) client",
    changeEmail:
      "Pour modifier votre adresse mail, contactez votre conseiller(e) clientèle, muni(e) de votre ou vos numéros clients.",
    preferencesTitle: "Préférences",
    language: "Langue des e-mails et du portail",
    notify: "M’avertir par e-mail de chaque nouvelle facture",
    savePreferences: "Enregistrer mes préférences",
    passwordTitle: "Changer mon mot de passe",
    currentPassword: "Mot de passe actuel",
    newPassword: "Nouveau mot de passe",
    confirmPassword: "Confirmez le nouveau mot de passe",
    changePassword: "Changer mon mot de passe",
    sessionsTitle: "Sessions ouvertes",
    sessionsCaption: "Vos sessions ouvertes sur ce portail",
    device: "Appareil",
    ip: "Adresse IP",
    openedAt: "Ouverte le",
    lastSeen: "Dernière activité",
    thisSession: " (cette session)",
    unknownBrowser: "Navigateur inconnu",
    aBrowser: "Navigateur",
    browserOn: (browser: string, os: string) => `${browser} sur ${os}`,
    logOutEverywhere: "Se déconnecter partout",
    messages: {
      "password-changed": "Votre mot de passe a été changé. Vos autres sessions ont été fermées.",
      preferences: "Vos préférences sont enregistrées.",
      language: "La langue du portail et de vos e-mails est enregistrée.",
    } as Record<string, string>,
  },
  list: {
    title: "Mes factures",
    titleFiltered: "Mes factures (filtrées)",
    lead: (customers: number, many: boolean) =>
      many
        ? "Les factures de tous vos numéros client, à télécharger et à conserver."
        : customers > 1
          ? `Les factures de vos ${n(customers)} numéros client, à télécharger et à conserver.`
          : "Vos factures, à télécharger et à conserver.",
    leavingTitle: "Pensez à sauvegarder vos factures",
    leavingText: (count: number, last: string, first: string) =>
      count > 1
        ? `${n(count)} factures non téléchargées quitteront le portail d’ici le ${last}${first !== last ? ` (la première dès le ${first})` : ""}. Téléchargez-les pour les conserver : elles ne seront plus disponibles ensuite.`
        : `1 facture non téléchargée quittera le portail le ${last}. Téléchargez-la pour la conserver : elle ne sera plus disponible ensuite.`,
    leavingZip: (count: number) =>
      count > 1 ? `Télécharger ces ${n(count)} factures (ZIP)` : "Télécharger cette facture (ZIP)",
    leavingList: "Voir ces factures",
    filtersTitle: "Rechercher et filtrer",
    search: "Rechercher un n° de facture ou de contrat",
    more: "Plus de critères",
    moreActive: (count: number) => `${count} ${s(count, "critère actif", "critères actifs")}`,
    period: "Période",
    anyPeriod: "Toutes les dates",
    years: "Années",
    months: "Mois",
    from: "Du",
    to: "Au",
    type: "Type",
    anyType: "Factures et avoirs",
    invoicesOnly: "Factures",
    creditNotesOnly: "Avoirs",
    contract: "Contrat",
    contractField: "N° de contrat (exact)",
    customer: "N° client",
    anyCustomer: "Tous",
    sort: "Trier par",
    sorts: {
      date_desc: "Plus récentes d’abord",
      date_asc: "Plus anciennes d’abord",
      amount_desc: "Montant décroissant",
      amount_asc: "Montant croissant",
    } satisfies Record<InvoiceSort, string>,
    only: "Afficher seulement",
    notDownloaded: "Non téléchargées",
    leavingSoon: (days: number) => `Quittent le portail sous ${days} jours`,
    apply: "Filtrer",
    reset: "Réinitialiser les filtres",
    results: (count: number, filtered: boolean) =>
      count === 0
        ? "Aucun résultat"
        : filtered
          ? `${n(count)} ${s(count, "facture correspond", "factures correspondent")} à vos critères`
          : `${n(count)} ${s(count, "facture", "factures")}`,
    exportExcel: "Exporter (CSV pour Excel)",
    exportCsv: "CSV standard",
    zipSelection: "Télécharger la sélection (ZIP)",
    zipAll: (count: number, filtered: boolean) =>
      filtered
        ? `Télécharger ${count > 1 ? `les ${n(count)} factures` : "la facture"} correspondant aux filtres (ZIP)`
        : `Télécharger ${count > 1 ? `mes ${n(count)} factures` : "ma facture"} (ZIP)`,
    selectAll: (count: number, filtered: boolean) =>
      filtered
        ? `Tout sélectionner : les ${n(count)} factures correspondant aux filtres (ZIP)`
        : `Tout sélectionner : mes ${n(count)} factures (ZIP)`,
    selectAllHint: (shown: number) =>
      `Seules ${n(shown)} factures sont affichées sur cette page ; ce bouton les prend toutes, pages suivantes comprises.`,
    // Outside tester, item 10: what « Tout sélectionner » leaves out of the archive, and why.
    zipLeavesRemoved: (count: number) =>
      count > 1
        ? `${n(count)} factures supprimées à la fin de leur durée de conservation n’ont plus de fichier\u00a0: elles ne sont pas dans l’archive.`
        : "1 facture supprimée à la fin de sa durée de conservation n’a plus de fichier\u00a0: elle n’est pas dans l’archive.",
    tooManyForZip: (count: number, max: number) =>
      `${n(count)} factures correspondent : c’est plus que les ${n(max)} qu’une archive ZIP peut contenir. Choisissez une année (ou un contrat) dans « Période » ou « Plus de critères » pour télécharger vos factures en plusieurs fois.`,
    caption: (sort: InvoiceSort) =>
      ({
        date_desc: "Vos factures, des plus récentes aux plus anciennes",
        date_asc: "Vos factures, des plus anciennes aux plus récentes",
        amount_desc: "Vos factures, par montant décroissant",
        amount_asc: "Vos factures, par montant croissant",
      })[sort],
    select: "Sélection",
    selectOne: (number: string) => `Sélectionner la facture ${number}`,
    // Issue #13 items 13 and 14: the row’s download icon, the selection button’s hint.
    downloadColumn: "Télécharger",
    downloadOne: (number: string) => `Télécharger le PDF de la facture ${number}`,
    selectionHint: "Cochez une ou plusieurs factures pour les télécharger ensemble.",
    number: "Numéro",
    date: "Date",
    amount: "Montant TTC",
    status: "Statut",
    availability: "Disponible jusqu’au",
    invoice: "Facture",
    creditNote: "Avoir",
    fresh: "Nouvelle",
    /** Issue #16: the original went to the buyer through the plateformes agréées. */
    duplicata: "Duplicata",
    duplicataTitle:
      "Copie : l’original est transmis par la plateforme de facturation électronique de votre entreprise",
    downloaded: (date: string) => `Téléchargée le ${date}`,
    availableUntil: "Disponible jusqu’au",
    removed: (date: string) => `Retirée du portail le ${date}`,
    removedNoFile: "Plus téléchargeable",
    pagination: "Pages de la liste",
    previous: "Factures précédentes",
    next: "Factures suivantes",
    firstPage: "Revenir au début de la liste",
    emptyTitle: "Aucune facture pour l’instant",
    emptyText: (issuer: string) =>
      `Vos factures ${issuer} apparaîtront ici dès leur mise à disposition. Un e-mail vous préviendra à chaque nouvelle facture.`,
    noMatchTitle: "Aucune facture ne correspond à ces critères",
    noMatchText:
      "Élargissez la période, retirez un critère, ou réinitialisez les filtres pour revoir toutes vos factures.",
    reversedRange: "La date de début est postérieure à la date de fin.",
    endTitle: "Vous êtes à la fin de la liste",
    endText: "Il n’y a pas d’autre facture après celle-ci.",
    badRequest: "Ces critères ne peuvent pas être appliqués",
    badCursor: "Ce lien de page n’est pas valide. Reprenez la liste depuis le début.",
    /** `invalid_filter` by the query parameter it names (src/http/invoice-filters.ts). */
    badFilter: {
      q: "La recherche est donnée plusieurs fois ou n’est pas lisible : un seul texte de 100 caractères au plus, sans caractère de contrôle.",
      periode: "La période n’est pas reconnue (une année AAAA ou un mois AAAA-MM).",
      annee: "La période demandée n’est pas reconnue : une année s’écrit AAAA.",
      mois: "La période demandée n’est pas reconnue : un mois s’écrit AAAA-MM.",
      du: "La date de début doit être une date au format AAAA-MM-JJ.",
      au: "La date de fin doit être une date au format AAAA-MM-JJ.",
      contrat:
        "Le numéro de contrat est donné plusieurs fois ou n’est pas lisible : 100 caractères au plus, sans caractère de contrôle.",
      client:
        "Le numéro client est donné plusieurs fois ou n’est pas lisible : 100 caractères au plus, sans caractère de contrôle.",
      type: "Le type doit être « facture » ou « avoir ».",
      nouvelles: "Le critère « nouvelles » vaut 1 ou 0.",
      retrait: "Le critère « retrait » est un nombre de jours entre 1 et 3660.",
      tri: "Le tri demandé n’existe pas.",
      format: "Le format d’export doit être « excel » ou « csv ».",
      other: "Un critère de la liste n’est pas lisible.",
    } as Record<string, string>,
  },
  detail: {
    back: "Mes factures",
    breadcrumb: "Fil d’Ariane",
    issuedOn: (date: string) => `émise le ${date}`,
    new: "Nouvelle",
    downloadedOn: (date: string) => `Téléchargée le ${date}`,
    amountIncl: "Montant TTC",
    availableUntil: (date: string) => `Disponible jusqu’au ${date}`,
    removedOn: (date: string) => `Retirée du portail le ${date}`,
    removedNotice: (date: string) => `Cette facture a été retirée du portail le ${date}.`,
    removedText:
      "Elle a atteint la fin de sa durée de mise à disposition : son fichier n’est plus téléchargeable sur le portail. Les informations et l’empreinte SHA-256 ci-dessous restent consultables, pour retrouver et vérifier la copie que vous avez sauvegardée.",
    keepIt:
      "Pensez à télécharger et sauvegarder cette facture avant cette date : l’original a la même valeur fiscale que la facture papier.",
    downloads: "Téléchargements",
    downloadPdf: "Télécharger le PDF",
    downloadXml: "Télécharger les données (XML)",
    pdfHint: (size: string) => `Original PDF, ${size}`,
    xmlHint: "Données structurées Factur-X (EN 16931), pour votre logiciel comptable",
    downloadProof: "Télécharger la preuve",
    proofHint:
      "Archive ZIP : l’original, ses données, le certificat de publication et le journal scellé, vérifiables avec sha256sum et openssl",
    seller: "Émetteur",
    buyer: "Client",
    references: "Références",
    amounts: "Montants",
    vatTable: "Détail de la TVA",
    integrity: "Vérifier l’authenticité",
    history: "Historique",
    party: {
      name: "Raison sociale",
      /** A buyer with no SIREN and no VAT number is taken for a person. */
      personName: "Nom",
      siren: "SIREN",
      vatId: "N° TVA intracommunautaire",
      /** Not « Identifiant »: that is the portal’s login word. */
      sellerId: "Référence de l’émetteur",
      /** BT-46, shown only when it differs from the customer number of the portal. */
      customerNumber: "N° client sur la facture",
      globalId: "Identifiant global",
      country: "Pays",
    },
    number: "Numéro",
    type: "Type",
    issueDate: "Date d’émission",
    dueDate: "Date d’échéance",
    paymentReference: "Référence de paiement",
    contract: "Contrat",
    customerNumber: "N° client",
    buyerReference: "Référence acheteur",
    format: "Format",
    noStructuredData: "PDF sans données structurées",
    unknownProfile: "Factur-X (profil non reconnu)",
    publishedAt: "Mise en ligne",
    taxBasisTotal: "Total HT",
    taxTotal: "Total TVA",
    grandTotal: "Total TTC",
    duePayable: "Net à payer",
    // Outside tester, item 13: a credit note's amount is owed to the customer.
    inYourFavour: "Montant en votre faveur",
    vatCategory: "Catégorie",
    vatRate: "Taux",
    vatBasis: "Base HT",
    vatAmount: "TVA",
    hashLabel: "Empreinte SHA-256 du PDF original",
    hashExplain:
      "Pour vérifier que le fichier téléchargé est bien l’original, calculez son empreinte : le résultat doit être identique à celui-ci (PowerShell l’affiche en majuscules).",
    hashLinux: "Linux, macOS",
    hashWindows: "Windows (PowerShell)",
    fileName: "fichier.pdf",
    hashHelp: "Comment sauvegarder et vérifier ses factures",
    historyCaption: "Statuts successifs de la facture",
    historyDate: "Date",
    historyStatus: "Statut",
    historyCode: "Code",
    removedEvent: "Retirée du portail",
    statusOther: (code: number) => `Statut ${code}`,
    statuses: {
      200: "Déposée",
      203: "Mise à disposition",
      204: "Prise en charge",
      205: "Approuvée",
      207: "En litige",
      210: "Refusée",
      212: "Encaissée",
      213: "Rejetée",
      900: "Retirée du portail",
      901: "Retirée par l’émetteur",
    } as Record<number, string>,
    vatCategories: {
      S: "Taux normal",
      Z: "Taux zéro",
      E: "Exonérée",
      AE: "Autoliquidation",
      K: "Livraison intracommunautaire",
      G: "Exportation hors UE",
      O: "Hors champ de la TVA",
      L: "Canaries (IGIC)",
      M: "Ceuta et Melilla (IPSI)",
    } as Record<string, string>,
    types: {
      "380": "Facture",
      "381": "Avoir",
      "384": "Facture rectificative",
      "386": "Facture d’acompte",
      "389": "Autofacture",
    } as Record<string, string>,
    typeOther: (code: string) => `Type ${code}`,
    // Issue #13 item 13: the preview and the folded verification.
    preview: "Aperçu",
    previewFrame: (title: string) => `Aperçu du PDF : ${title}`,
    previewHint:
      "Affiché par votre navigateur, sans téléchargement. Pour conserver l’original, utilisez « Télécharger le PDF ».",
    previewOpen: "Ouvrir l’aperçu dans un nouvel onglet",
    lifecycleCaption: "Codes de statut du cycle de vie",
    // Issue #16: an invoice whose original goes to the buyer through the plateformes agréées (B2B route).
    duplicata: "Duplicata",
    duplicataSent: (date: string) =>
      `Duplicata\u00a0: l’original de cette facture a été transmis à la plateforme de facturation électronique de votre entreprise le ${date}.`,
    duplicataPending:
      "Duplicata\u00a0: l’original de cette facture est adressé à votre entreprise par les plateformes de facturation électronique (plateformes agréées).",
    duplicataExplain:
      "Pour la TVA, la facture qui fait foi est l’original reçu par la plateforme de votre entreprise. Ce portail vous en garde une copie, identique au fichier transmis, pour la consulter et la télécharger.",
    keepItDuplicata: "Ce duplicata reste consultable ici jusqu’à cette date.",
    pdfHintDuplicata: (size: string) => `Duplicata PDF, ${size}`,
    paTitle: "Suivi par les plateformes agréées",
    paLead:
      "Les statuts que les plateformes de facturation électronique ont déclarés pour cette facture, du plus ancien au plus récent.",
    paNone: "Aucun statut n’a encore été déclaré par les plateformes pour cette facture.",
    paBy: (role: string) => `Déclaré par ${role}`,
    paReason: "Motif",
    paRoles: {
      SE: "l’émetteur",
      BY: "votre entreprise",
      WK: "une plateforme agréée",
      PE: "le bénéficiaire du paiement",
      DL: "l’affactureur",
      AB: "le service acheteur",
      PR: "l’acheteur",
    } as Record<string, string>,
    paRoleOther: (code: string) => `la partie ${code}`,
    /** What each status of the reform means, in plain words (XP Z12-012). */
    paMeaning: {
      200: "L’émetteur a déposé la facture sur sa plateforme agréée.",
      201: "La plateforme de l’émetteur l’a émise vers celle de votre entreprise.",
      202: "La plateforme de votre entreprise l’a reçue.",
      203: "Elle est à la disposition de votre entreprise sur sa plateforme.",
      204: "Votre entreprise l’a prise en charge pour la traiter.",
      205: "Votre entreprise l’a approuvée.",
      206: "Votre entreprise l’a approuvée en partie.",
      207: "Votre entreprise a signalé un désaccord sur cette facture.",
      208: "Son traitement est suspendu, dans l’attente d’un complément.",
      209: "Le complément attendu a été apporté.",
      210: "Votre entreprise l’a refusée.",
      211: "Votre entreprise a indiqué avoir envoyé le paiement.",
      212: "L’émetteur a encaissé le paiement.",
      213: "La plateforme l’a rejetée : elle ne peut pas être reçue en l’état.",
    } as Record<number, string>,
    paReasons: {
      TX_TVA_ERR: "taux de TVA erroné",
      MONTANTTOTAL_ERR: "montant total erroné",
      CALCUL_ERR: "erreur de calcul",
      NON_CONFORME: "facture non conforme",
      DOUBLON: "facture en double",
      DOUBLE_FACT: "facturé deux fois",
      DEST_ERR: "destinataire erroné",
      DEST_INC: "destinataire inconnu",
      EMMET_INC: "émetteur inconnu",
      TRANSAC_INC: "opération inconnue",
      CONTRAT_TERM: "contrat terminé",
      CMD_ERR: "référence de commande erronée",
      ADR_ERR: "adresse erronée",
      SIRET_ERR: "SIRET erroné",
      CODE_ROUTAGE_ERR: "code de routage erroné",
      ROUTAGE_ERR: "erreur d’acheminement",
      REF_CT_ABSENT: "référence de contrat absente",
      REF_ERR: "référence erronée",
      PU_ERR: "prix unitaire erroné",
      REM_ERR: "remise erronée",
      QTE_ERR: "quantité facturée erronée",
      ART_ERR: "article facturé erroné",
      MODPAI_ERR: "modalités de paiement erronées",
      QUALITE_ERR: "qualité de l’article livré",
      LIVR_INCOMP: "livraison incomplète",
      COORD_BANC_ERR: "coordonnées bancaires erronées",
      JUSTIF_ABS: "justificatif absent",
      REJ_SEMAN: "données de la facture incohérentes",
      REJ_UNI: "facture déjà reçue",
      REJ_COH: "incohérence entre la facture et ses données",
      REJ_ADR: "adressage impossible",
      IRR_SYNTAX: "fichier illisible",
      AUTRE: "autre motif",
    } as Record<string, string>,
    /** The portal's own events for a duplicata: no regulated code, plain words. */
    portalEvents: {
      203: "Consultable sur le portail",
      204: "Téléchargée sur le portail",
    } as Record<number, string>,
  },
  downloads: {
    integrityTitle: "Fichier momentanément indisponible",
    integrityText:
      "Le fichier de cette facture n’a pas pu être vérifié : il ne vous est pas transmis. Nos équipes sont alertées ; merci de réessayer plus tard ou de contacter votre conseiller(e) clientèle.",
    goneTitle: "Facture retirée du portail",
    goneText: (date: string) =>
      `Cette facture a été retirée du portail le ${date}, à la fin de sa durée de mise à disposition : son fichier n’est plus téléchargeable.`,
    goneHint:
      "Si vous l’avez téléchargée auparavant, votre copie fait foi : son empreinte SHA-256 est rappelée sur la page de la facture. Sinon, contactez votre conseiller(e) clientèle.",
    goneDetail: "Voir la page de la facture",
    proofGoneText: (date: string) =>
      `Cette facture a été retirée du portail le ${date}, à la fin de sa durée de mise à disposition : sa preuve n’est plus téléchargeable ici.`,
    proofIntegrityTitle: "Preuve momentanément indisponible",
    proofIntegrityText:
      "Le fichier de cette facture n’a pas pu être vérifié : aucune preuve n’est délivrée. Nos équipes sont alertées ; merci de réessayer plus tard ou de contacter votre conseiller(e) clientèle.",
    noneTitle: "Aucune facture à télécharger",
    noneAll:
      "Aucune facture téléchargeable ne correspond à ces critères. Modifiez les filtres de la liste puis recommencez.",
    noneSelected:
      "Aucune facture téléchargeable n’était cochée. Cochez les factures voulues dans la liste, ou choisissez « tout sélectionner », puis recommencez.",
    noneRemoved: (count: number) =>
      count > 1
        ? `Les ${n(count)} factures choisies ont été retirées du portail : leurs fichiers ne sont plus téléchargeables.`
        : "La facture choisie a été retirée du portail : son fichier n’est plus téléchargeable.",
    busyTitle: "Un téléchargement est déjà en cours",
    busyText:
      "Une archive ZIP de vos factures est déjà en cours de préparation pour votre compte. Attendez qu’elle soit terminée, puis recommencez.",
    tooManyTitle: "Trop de factures pour une seule archive",
    tooManyAll: (max: number) =>
      `Plus de ${n(max)} factures correspondent à ces critères : une archive ZIP en contient ${n(max)} au plus. Affinez les filtres de la liste (par exemple une année ou un contrat à la fois), puis recommencez.`,
    tooManySelected: (max: number) =>
      `Vous avez coché plus de ${n(max)} factures : une archive ZIP en contient ${n(max)} au plus. Téléchargez-les en plusieurs fois.`,
    zipName: "factures",
  },
  /** CSV export: the column names stay the same from one export to the next (per language). */
  csv: {
    header: [
      "Numéro",
      "Type",
      "Code type",
      "Date d’émission",
      "Échéance",
      "Contrat",
      "N° client",
      "Total HT",
      "TVA",
      "Total TTC",
      "Net à payer",
      "Devise",
      "SHA-256",
      "Disponible jusqu’au",
      "Téléchargée le",
    ],
    invoice: "Facture",
    creditNote: "Avoir",
    fileName: "factures",
  },
  help: {
    navLabel: "Pages d’aide",
    faqTitle: "Aide et questions fréquentes",
    faqLead: (issuer: string) =>
      `Les réponses aux questions les plus courantes sur le portail de factures ${issuer}.`,
    tenantFaqTitle: (issuer: string) => `Les questions de ${issuer}`,
    platformFaqTitle: "Questions fréquentes sur E-FACTURE",
    otherPages: "Voir aussi",
    save: {
      title: "Sauvegarder ses factures",
      lead: "Le portail met vos factures à disposition pendant une durée limitée. La loi vous demande de les conserver bien plus longtemps : voici comment en garder une copie fidèle.",
      sections: [
        {
          h: "Une facture à la fois : le PDF",
          p: [
            "Sur la page d’une facture, « Télécharger le PDF » vous donne l’original publié par l’émetteur, octet pour octet. C’est ce fichier qu’il faut conserver : il contient aussi, pour la plupart des factures, les données structurées Factur-X.",
          ],
        },
        {
          h: "Les données structurées : le XML",
          p: [
            "« Télécharger les données (XML) » donne les données Factur-X (norme EN 16931) contenues dans le PDF, prêtes à être importées dans un logiciel comptable. Le XML complète le PDF, il ne le remplace pas.",
          ],
        },
        {
          h: "Plusieurs factures d’un coup : l’archive ZIP",
          p: [
            "Dans « Mes factures », cochez les factures voulues puis « Télécharger la sélection (ZIP) », ou téléchargez toutes les factures correspondant à vos filtres. L’archive range les PDF dans un dossier par année et contient un fichier index.csv qui liste chaque facture avec son empreinte SHA-256. Une archive contient 5 000 factures au plus : au-delà, téléchargez une année à la fois.",
          ],
        },
        {
          h: "La liste pour votre comptabilité : l’export CSV",
          p: [
            "« Exporter (CSV pour Excel) » produit la liste filtrée (numéros, dates, montants, empreintes) dans un fichier qu’Excel ouvre directement ; « CSV standard » convient aux autres logiciels. L’export est une liste : il ne remplace pas les factures elles-mêmes.",
          ],
        },
        {
          h: "Vérifier une copie : l’empreinte SHA-256",
          p: [
            "Chaque facture a une empreinte SHA-256, affichée sur sa page et dans index.csv. Si vous calculez l’empreinte de votre copie et obtenez la même valeur, votre fichier est identique à l’original, au bit près.",
          ],
          commands: [
            { label: "Linux, macOS", code: "sha256sum facture.pdf" },
            { label: "Windows (PowerShell)", code: "Get-FileHash facture.pdf" },
          ],
        },
        {
          h: "Où conserver ?",
          p: [
            "Sur un support que vous sauvegardez régulièrement (ordinateur sauvegardé, serveur de fichiers, outil d’archivage de votre expert-comptable), de préférence à deux endroits distincts. Gardez les fichiers tels quels : un PDF ouvert puis ré-enregistré n’est plus l’original.",
          ],
        },
      ],
    } satisfies HelpPage,
    fiscal: {
      title: "Valeur fiscale et conservation",
      lead: "Les factures de ce portail sont des originaux électroniques. Voici, simplement, ce que cela veut dire pour vous.",
      sections: [
        {
          h: "Un original, pas une copie",
          p: [
            "Le fichier publié par l’émetteur est l’original de la facture : il a la même valeur fiscale qu’une facture papier, notamment pour la déduction de la TVA. Le portail le conserve et vous le remet tel quel, octet pour octet.",
          ],
        },
        {
          h: "Factur-X : un PDF lisible et des données",
          p: [
            "La plupart des factures sont au format Factur-X : un PDF que vous lisez comme d’habitude, qui contient en plus un fichier XML normalisé (EN 16931) que les logiciels comptables savent lire. C’est le format retenu pour la facturation électronique en France.",
          ],
        },
        {
          h: "Sur le portail : une durée limitée",
          p: [
            "Chaque facture reste en ligne pendant la durée fixée par l’émetteur (2 ans en général ; la date est indiquée sur chaque facture). Ensuite, elle est retirée du portail et son fichier n’y est plus téléchargeable.",
          ],
        },
        {
          h: "Chez vous : 6 à 10 ans",
          p: [
            "La loi vous demande de conserver vos factures bien plus longtemps : 6 ans pour l’administration fiscale, 10 ans pour les pièces comptables d’une entreprise. Cette conservation vous incombe : téléchargez vos factures pendant qu’elles sont en ligne et gardez-en une copie fidèle (voir « Sauvegarder ses factures »).",
          ],
        },
        {
          h: "Sous forme électronique",
          p: [
            "Une facture reçue sous forme électronique se conserve sous forme électronique : imprimer le PDF ne suffit pas. Gardez le fichier d’origine, dont l’empreinte SHA-256 prouve qu’il n’a pas été modifié.",
          ],
        },
      ],
    } satisfies HelpPage,
  },
  legal: {
    noticeTitle: "Mentions légales",
    noticeLead: (issuer: string) => `Le portail de factures ${issuer}, service E-FACTURE.`,
    publisherTitle: "Éditeur du portail",
    company: "Raison sociale",
    address: "Adresse",
    siren: "SIREN",
    contact: "Contact",
    publicationDirector: "Directeur de la publication",
    hostTitle: "Service et hébergement",
    hostText:
      "Le portail est fourni par le service E-FACTURE, qui conserve les originaux des factures publiés par l’émetteur et les met à la disposition de ses clients.",
    operatorNote:
      "Lorsque l’émetteur n’a pas encore renseigné une information, celle de l’opérateur du service E-FACTURE est indiquée.",
    privacyTitle: "Confidentialité et données personnelles",
    privacyLead: (issuer: string) =>
      `Comment vos données sont utilisées sur le portail de factures ${issuer}.`,
    controllerTitle: "Responsable du traitement",
    controllerText: (company: string) =>
      `${company} est responsable du traitement de vos données sur ce portail ; le service E-FACTURE agit pour son compte.`,
    dataTitle: "Données traitées",
    dataItems: [
      "vos factures et les informations qu’elles contiennent (identités, montants, contrats) ;",
      "votre adresse mail, votre identifiant et vos préférences (langue, avis de nouvelle facture) ;",
      "l’empreinte de votre mot de passe (jamais le mot de passe lui-même) ;",
      "les traces de sécurité : connexions, téléchargements, adresse IP et navigateur des sessions ouvertes.",
    ],
    purposeTitle: "Finalités",
    purposeText:
      "Mettre vos factures à votre disposition, vous prévenir de leur arrivée et de leur retrait, sécuriser votre compte et prouver ce qui a été publié et téléchargé. Aucune donnée n’est utilisée à des fins publicitaires ni transmise à des tiers à ces fins.",
    durationTitle: "Durées de conservation",
    durationText: (duration: string) =>
      `Vos factures restent en ligne ${duration} après leur mise à disposition ; les traces de sécurité sont conservées le temps nécessaire à la preuve de la mise à disposition.`,
    cookiesTitle: "Cookies",
    cookiesText:
      "Le portail n’utilise que des cookies nécessaires à son fonctionnement : la session de connexion, la protection des formulaires et la langue choisie. Aucun cookie de mesure d’audience ni de publicité.",
    rightsTitle: "Vos droits",
    rightsText:
      "Vous pouvez accéder à vos données, les faire rectifier ou demander leur effacement dans les limites des obligations légales de conservation des factures. Écrivez au délégué à la protection des données :",
    complaint: "Vous pouvez aussi adresser une réclamation à la CNIL (www.cnil.fr).",
    /** Shown for every detail the issuer has not filled in (tenant.settings.legal): never an empty line. */
    operator: {
      companyName: "E-FACTURE, opérateur de la plateforme",
      address: "Adresse de l’opérateur E-FACTURE, communiquée sur simple demande",
      siren: "Communiqué sur simple demande à l’opérateur E-FACTURE",
      contactEmail: "Votre conseiller(e) clientèle",
      dpoEmail: "Votre conseiller(e) clientèle, qui transmet au délégué de l’opérateur E-FACTURE",
      publisherName: "Le représentant légal de l’opérateur E-FACTURE",
    },
  },
  // Issue #13 item 9: an invoice the issuer withdrew (published to the wrong customer).
  withdrawn: {
    title: "Facture retirée par l’émetteur",
    text: (date: string) =>
      `Cette facture a été retirée du portail le ${date} par l’émetteur : elle ne vous était pas destinée, ou elle a été remplacée.`,
    hint: "Si vous l’avez téléchargée, merci de supprimer votre copie. Pour toute question, contactez votre conseiller(e) clientèle.",
  },
  /** Issue #13 items 11–12: the issuer's contact block, the hosting provider, a portal not yet open. */
  portalDetails: {
    contactTitle: "Nous contacter",
    contactLead: (issuer: string) =>
      `Le service client ${issuer} répond à vos questions sur vos factures, vos contrats et l’adresse mail enregistrée. Munissez-vous de votre ou vos numéros clients.`,
    phone: "Téléphone",
    hours: "Horaires",
    email: "E-mail",
    address: "Courrier",
    form: "Formulaire",
    formLink: "Écrire au service client",
    /** After each « contactez votre conseiller(e) clientèle »: where the coordinates are. */
    seeContact: "Coordonnées du service client",
    hostName: "Hébergeur",
    hostAddress: "Adresse de l’hébergeur",
    hostPhone: "Téléphone de l’hébergeur",
    dpo: "Délégué à la protection des données",
    operatorHost: {
      hostName: "Hébergeur de l’opérateur E-FACTURE, communiqué sur simple demande",
      hostAddress: "Communiquée sur simple demande à l’opérateur E-FACTURE",
      hostPhone: "Communiqué sur simple demande à l’opérateur E-FACTURE",
    },
    closedTitle: "Ce portail n’est pas encore ouvert",
    closedText: (issuer: string) =>
      `Le portail de factures ${issuer} est en cours de mise en service. Revenez un peu plus tard : vos factures y seront disponibles dès son ouverture.`,
    draftBanner:
      "Aperçu de développement : mentions légales incomplètes. En production, ce portail resterait fermé à vos clients tant que ces informations manquent :",
  },
};

export type Messages = typeof fr;
