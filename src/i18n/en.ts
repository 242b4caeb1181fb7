import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../domain/accounts/password-policy.js";
import { formatsFor } from "./format.js";
import type { Messages } from "./fr.js";

// English texts: the same shape as fr.ts (a missing or extra key does not compile).
const n = (value: number) => formatsFor("en").count(value);
const s = (value: number, one: string, many: string) => (value === 1 ? one : many);

export const en: Messages = {
  lang: {
    names: { fr: "Français", en: "English" },
    switchLabel: "Language",
    switchTo: { fr: "Afficher le portail en français", en: "Show the portal in English" },
  },
  layout: {
    skip: "Skip to content",
    accountNav: "My space",
    myInvoices: "My invoices",
    myAccount: "My account",
    logOut: "Log out",
    footerTagline: "E-FACTURE · original invoices online",
    footerNav: "Help and information",
    help: "Help",
    saveHelp: "Saving your invoices",
    fiscalHelp: "Legal value",
    legal: "Legal notice",
    privacy: "Privacy",
  },
  errors: {
    requestRef: "Request reference:",
    backToInvoices: "Back to my invoices",
    backHome: "Back to the home page",
    notFoundTitle: "Page not found",
    notFoundText: "This page does not exist or is no longer available.",
    unavailableTitle: "Service temporarily unavailable",
    unavailableText: "The service is temporarily unavailable. Please try again in a few moments.",
    refusedTitle: "Request refused",
    refusedText: "This request cannot be processed. Check what you entered and try again.",
    badRequestTitle: "Bad request",
    badRequestText: "The request could not be processed.",
    forbiddenTitle: "Request refused",
    forbiddenText: "This form has expired or does not come from this portal. Reload the page and try again.",
    unexpectedTitle: "Unexpected error",
    unexpectedText: "An unexpected error occurred. Our teams have been notified.",
    noPortalTitle: "No portal at this address",
    noPortalText: (host: string) => `There is no E-FACTURE portal at ${host}.`,
    noPortalHint:
      "Check the link in your activation e-mail or on your documents, or contact your customer-service advisor.",
    // Error pages in words (issue #13 item 14): the status is a small reference, never the headline.
    statusRef: (status: number) => `Error code: ${status}`,
    invoiceNotFoundTitle: "Invoice not found",
    invoiceNotFoundText: "This invoice does not exist or is no longer available.",
  },
  platform: {
    title: "Invoice portal",
    text: "Each issuer has its own portal, at the address given in your activation e-mail or on your documents.",
    devOutbox: "Development: the e-mails sent can be read in",
    devOutboxLink: "the outbox",
  },
  retention: (months: number) =>
    months % 12 === 0 ? `${months / 12} year${months === 12 ? "" : "s"}` : `${months} months`,
  home: {
    title: "Home",
    heading: (issuer: string) => `Your ${issuer} invoices online`,
    lead: "Linked to your contracts, the E-FACTURE service gives you the originals of your invoices directly online, instead of paper invoices.",
    notice: (duration: string) => [
      "Your invoices stay available on this portal for ",
      duration,
      ". Remember to download and keep them during that time, as tax rules require.",
    ],
    loginTitle: "Access my invoices",
    identifier: "Identifier",
    identifierHint: "It is in your activation e-mail (for example K7QM-4TZP).",
    password: "Password",
    logIn: "Log in",
    forgotLink: "Forgot password or identifier?",
    firstTitle: "First connection",
    firstSteps: [
      "You receive an account activation e-mail, with your identifier, when your next invoice is issued.",
      "Click “Forgot password or identifier?” and enter the e-mail address at which you received that activation e-mail.",
      "You receive a reset e-mail that lets you choose your password.",
      "Log in with your identifier and your new password.",
    ],
    faqTitle: "Frequently asked questions",
    moreHelp: "All the help: saving your invoices, legal value, frequently asked questions",
    messages: {
      "password-set": "Your password is saved. Log in with your identifier and this password.",
      "logged-out": "You are logged out.",
      session: "Your session has expired or was closed. Please log in again.",
    } as Record<string, string>,
    loginFailed:
      "Wrong identifier or password. If this is your first connection, or if you forgot them, use “Forgot password or identifier?”.",
    throttled: (minutes: number) =>
      `Too many login attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or use “Forgot password or identifier?”.`,
  },
  faq: (duration: string) => [
    {
      q: "I did not receive an activation e-mail",
      contact: true,
      a: [
        "Contact your customer-service advisor so that they check the e-mail address on record. Have your customer number(s) at hand and give the address at which you want to receive the activation e-mail with your identifier. You will receive it when your next invoice is issued.",
      ],
    },
    {
      q: "This is my first connection",
      a: [
        "Before your first connection, click “Forgot password or identifier?” to set your password. Enter the e-mail address at which you received the activation e-mail: you will receive a reset e-mail that lets you choose your password.",
      ],
    },
    {
      q: "I forgot my password",
      a: ["Click “Forgot password or identifier?” and follow the instructions."],
    },
    {
      q: "I forgot my identifier",
      a: [
        "Click “Forgot password or identifier?” and follow the instructions: your identifier is shown on the password reset page.",
      ],
    },
    {
      q: "How long do my invoices stay available?",
      a: [
        `Each invoice stays available for ${duration} after it is published. The removal date is shown for each invoice, and a reminder is sent to you before it is removed.`,
      ],
    },
    {
      q: "Do these invoices have legal value?",
      a: [
        "Yes. The original invoices published on E-FACTURE have the same value for tax purposes as paper invoices, in particular for the right to deduct VAT. The file you download is the published original, byte for byte.",
      ],
    },
    {
      q: "How do I save my invoices?",
      a: [
        "Download each invoice (PDF) or all your invoices at once, and keep them on your computer or in your archiving tool. French law requires invoices to be kept for 6 years (10 years for accounting records): the portal only keeps them online for the period given above.",
      ],
    },
    {
      q: "Whom should I contact?",
      contact: true,
      a: [
        "For any question about your invoices, your contracts or the e-mail address on record, contact your customer-service advisor, with your customer number(s) at hand.",
      ],
    },
  ],
  auth: {
    forgotTitle: "Forgot password or identifier",
    forgotHeading: "Forgot password or identifier?",
    forgotText:
      "Enter the e-mail address at which you received your account activation e-mail. You will receive a reset e-mail that lets you choose your password; your identifier will be shown on the reset page.",
    forgotFirst: "This is also how you set your password before your first connection.",
    email: "E-mail address",
    forgotSubmit: "Send me the reset e-mail",
    backToLogin: "Back to login",
    sentTitle: "Request received",
    sentHeading: "Check your inbox",
    sentText:
      "If an account matches this address, you will receive an e-mail with a link to choose your password. The link is valid for 60 minutes.",
    sentHint:
      "Remember to check your spam folder. If you receive nothing, your address may not be the one on record: contact your customer-service advisor, with your customer number(s) at hand.",
    passwordRule: `Choose at least ${MIN_PASSWORD_LENGTH} characters. No rule about capitals or special characters: a sentence of several words that is easy for you to remember is ideal (for example “the blue bike sleeps in the garage”). Very common passwords are refused.`,
    resetTitle: "Choose your password",
    resetHeading: "Choose your password",
    yourIdentifier: "Your login identifier is:",
    noteIdentifier: "Write it down: you will enter it, with your password, to log in.",
    newPassword: "New password",
    confirmPassword: "Confirm the password",
    savePassword: "Save my password",
    invalidTitle: "Link expired or already used",
    invalidHeading: "This link is no longer valid",
    invalidText:
      "A reset link works only once and expires after 60 minutes; a new request also cancels earlier links.",
    newRequest: "Make a new request",
  },
  passwordProblems: {
    too_short: `Your password must have at least ${MIN_PASSWORD_LENGTH} characters.`,
    too_long: `Your password cannot be longer than ${MAX_PASSWORD_LENGTH} characters.`,
    common:
      "This password is among the most used ones and would soon be guessed. Choose another one, for example a sentence of several words.",
    mismatch: "The two passwords you entered are not the same.",
    wrong_current: "The current password you entered is wrong.",
  },
  account: {
    changeThrottled: (minutes: number) =>
      `Too many attempts with a wrong current password. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or log out and use “Forgot password or identifier?”.`,
    title: "My account",
    identityTitle: "My details",
    identifier: "Identifier",
    email: "E-mail address on record",
    customerNumbers: "Customer number(s)",
    changeEmail:
      "To change your e-mail address, contact your customer-service advisor, with your customer number(s) at hand.",
    preferencesTitle: "Preferences",
    language: "Language of the e-mails and of the portal",
    notify: "Tell me by e-mail about each new invoice",
    savePreferences: "Save my preferences",
    passwordTitle: "Change my password",
    currentPassword: "Current password",
    newPassword: "New password",
    confirmPassword: "Confirm the new password",
    changePassword: "Change my password",
    sessionsTitle: "Open sessions",
    sessionsCaption: "Your open sessions on this portal",
    device: "Device",
    ip: "IP address",
    openedAt: "Opened",
    lastSeen: "Last activity",
    thisSession: " (this session)",
    unknownBrowser: "Unknown browser",
    aBrowser: "Browser",
    browserOn: (browser: string, os: string) => `${browser} on ${os}`,
    logOutEverywhere: "Log out everywhere",
    messages: {
      "password-changed": "Your password has been changed. Your other sessions have been closed.",
      preferences: "Your preferences are saved.",
      language: "The language of the portal and of your e-mails is saved.",
    } as Record<string, string>,
  },
  list: {
    title: "My invoices",
    titleFiltered: "My invoices (filtered)",
    lead: (customers: number, many: boolean) =>
      many
        ? "The invoices of all your customer numbers, to download and keep."
        : customers > 1
          ? `The invoices of your ${n(customers)} customer numbers, to download and keep.`
          : "Your invoices, to download and keep.",
    leavingTitle: "Remember to save your invoices",
    leavingText: (count: number, last: string, first: string) =>
      count > 1
        ? `${n(count)} invoices never downloaded will leave the portal by ${last}${first !== last ? ` (the first one on ${first})` : ""}. Download them to keep them: they will no longer be available afterwards.`
        : `1 invoice never downloaded will leave the portal on ${last}. Download it to keep it: it will no longer be available afterwards.`,
    leavingZip: (count: number) =>
      count > 1 ? `Download these ${n(count)} invoices (ZIP)` : "Download this invoice (ZIP)",
    leavingList: "See these invoices",
    filtersTitle: "Search and filter",
    search: "Search an invoice or contract number",
    more: "More criteria",
    moreActive: (count: number) => `${count} active ${s(count, "criterion", "criteria")}`,
    period: "Period",
    anyPeriod: "All dates",
    years: "Years",
    months: "Months",
    from: "From",
    to: "To",
    type: "Type",
    anyType: "Invoices and credit notes",
    invoicesOnly: "Invoices",
    creditNotesOnly: "Credit notes",
    contract: "Contract",
    contractField: "Contract number (exact)",
    customer: "Customer no.",
    anyCustomer: "All",
    sort: "Sort by",
    sorts: {
      date_desc: "Newest first",
      date_asc: "Oldest first",
      amount_desc: "Highest amount first",
      amount_asc: "Lowest amount first",
    },
    only: "Show only",
    notDownloaded: "Not downloaded",
    leavingSoon: (days: number) => `Leaving the portal within ${days} days`,
    apply: "Filter",
    reset: "Reset the filters",
    results: (count: number, filtered: boolean) =>
      count === 0
        ? "No results"
        : filtered
          ? `${n(count)} ${s(count, "invoice matches", "invoices match")} your criteria`
          : `${n(count)} ${s(count, "invoice", "invoices")}`,
    exportExcel: "Export (CSV for Excel)",
    exportCsv: "Plain CSV",
    zipSelection: "Download the selection (ZIP)",
    zipAll: (count: number, filtered: boolean) =>
      filtered
        ? `Download ${count > 1 ? `the ${n(count)} invoices` : "the invoice"} matching the filters (ZIP)`
        : `Download ${count > 1 ? `my ${n(count)} invoices` : "my invoice"} (ZIP)`,
    selectAll: (count: number, filtered: boolean) =>
      filtered
        ? `Select all: the ${n(count)} invoices matching the filters (ZIP)`
        : `Select all: my ${n(count)} invoices (ZIP)`,
    selectAllHint: (shown: number) =>
      `Only ${n(shown)} invoices are shown on this page; this button takes all of them, following pages included.`,
    // Outside tester, item 10: what "Select all" leaves out of the archive, and why.
    zipLeavesRemoved: (count: number) =>
      count > 1
        ? `${n(count)} invoices deleted at the end of their retention period no longer have a file: they are not in the archive.`
        : "1 invoice deleted at the end of its retention period no longer has a file: it is not in the archive.",
    tooManyForZip: (count: number, max: number) =>
      `${n(count)} invoices match: more than the ${n(max)} one ZIP archive can hold. Choose a year (or a contract) in “Period” or “More criteria” to download your invoices in several goes.`,
    caption: (sort) =>
      ({
        date_desc: "Your invoices, newest first",
        date_asc: "Your invoices, oldest first",
        amount_desc: "Your invoices, highest amount first",
        amount_asc: "Your invoices, lowest amount first",
      })[sort],
    select: "Selection",
    selectOne: (number: string) => `Select invoice ${number}`,
    // Issue #13 items 13 and 14: the row’s download icon, the selection button’s hint.
    downloadColumn: "Download",
    downloadOne: (number: string) => `Download the PDF of invoice ${number}`,
    selectionHint: "Tick one or more invoices to download them together.",
    number: "Number",
    date: "Date",
    amount: "Amount incl. VAT",
    status: "Status",
    availability: "Available until",
    invoice: "Invoice",
    creditNote: "Credit note",
    fresh: "New",
    duplicata: "Duplicate",
    duplicataTitle: "Copy: the original is sent through your company's e-invoicing platform",
    downloaded: (date: string) => `Downloaded on ${date}`,
    availableUntil: "Available until",
    removed: (date: string) => `Removed from the portal on ${date}`,
    removedNoFile: "No longer downloadable",
    pagination: "List pages",
    previous: "Previous invoices",
    next: "Next invoices",
    firstPage: "Back to the start of the list",
    emptyTitle: "No invoices yet",
    emptyText: (issuer: string) =>
      `Your ${issuer} invoices will appear here as soon as they are published. An e-mail will tell you about each new invoice.`,
    noMatchTitle: "No invoice matches these criteria",
    noMatchText: "Widen the period, remove a criterion, or reset the filters to see all your invoices again.",
    reversedRange: "The start date is after the end date.",
    endTitle: "You have reached the end of the list",
    endText: "There is no other invoice after this one.",
    badRequest: "These criteria cannot be applied",
    badCursor: "This page link is not valid. Start the list again from the beginning.",
    badFilter: {
      q: "The search is given several times or cannot be read: one text of 100 characters at most, no control characters.",
      periode: "The period is not recognised (a year YYYY or a month YYYY-MM).",
      annee: "The period is not recognised: a year is written YYYY.",
      mois: "The period is not recognised: a month is written YYYY-MM.",
      du: "The start date must be a date in the YYYY-MM-DD format.",
      au: "The end date must be a date in the YYYY-MM-DD format.",
      contrat:
        "The contract number is given several times or cannot be read: 100 characters at most, no control characters.",
      client:
        "The customer number is given several times or cannot be read: 100 characters at most, no control characters.",
      type: "The type must be “facture” (invoice) or “avoir” (credit note).",
      nouvelles: "The “nouvelles” criterion is 1 or 0.",
      retrait: "The “retrait” criterion is a number of days between 1 and 3660.",
      tri: "This sort order does not exist.",
      format: "The export format must be “excel” or “csv”.",
      other: "A criterion of the list cannot be read.",
    } as Record<string, string>,
  },
  detail: {
    back: "My invoices",
    breadcrumb: "Breadcrumb",
    issuedOn: (date: string) => `issued on ${date}`,
    new: "New",
    downloadedOn: (date: string) => `Downloaded on ${date}`,
    amountIncl: "Amount incl. VAT",
    availableUntil: (date: string) => `Available until ${date}`,
    removedOn: (date: string) => `Removed from the portal on ${date}`,
    removedNotice: (date: string) => `This invoice was removed from the portal on ${date}.`,
    removedText:
      "It reached the end of its availability period: its file can no longer be downloaded from the portal. The details and the SHA-256 fingerprint below remain visible, to find and check the copy you saved.",
    keepIt:
      "Remember to download and keep this invoice before that date: the original has the same value for tax purposes as a paper invoice.",
    downloads: "Downloads",
    downloadPdf: "Download the PDF",
    downloadXml: "Download the data (XML)",
    downloadProof: "Download the proof",
    proofHint:
      "ZIP archive: the original, its data, the publication certificate and the sealed log, checkable with sha256sum and openssl",
    pdfHint: (size: string) => `Original PDF, ${size}`,
    xmlHint: "Factur-X structured data (EN 16931), for your accounting software",
    seller: "Issuer",
    buyer: "Customer",
    references: "References",
    amounts: "Amounts",
    vatTable: "VAT breakdown",
    integrity: "Check authenticity",
    history: "History",
    party: {
      name: "Company name",
      personName: "Name",
      siren: "SIREN",
      vatId: "EU VAT number",
      sellerId: "Issuer reference",
      customerNumber: "Customer number on the invoice",
      globalId: "Global identifier",
      country: "Country",
    },
    number: "Number",
    type: "Type",
    issueDate: "Issue date",
    dueDate: "Due date",
    paymentReference: "Payment reference",
    contract: "Contract",
    customerNumber: "Customer no.",
    buyerReference: "Buyer reference",
    format: "Format",
    noStructuredData: "PDF without structured data",
    unknownProfile: "Factur-X (unrecognised profile)",
    publishedAt: "Published",
    taxBasisTotal: "Total excl. VAT",
    taxTotal: "Total VAT",
    grandTotal: "Total incl. VAT",
    duePayable: "Amount due",
    // Outside tester, item 13: a credit note's amount is owed to the customer.
    inYourFavour: "Amount in your favour",
    vatCategory: "Category",
    vatRate: "Rate",
    vatBasis: "Taxable amount",
    vatAmount: "VAT",
    hashLabel: "SHA-256 fingerprint of the original PDF",
    hashExplain:
      "To check that the downloaded file is the original, compute its fingerprint: the result must be the same as this one (PowerShell shows it in capitals).",
    hashLinux: "Linux, macOS",
    hashWindows: "Windows (PowerShell)",
    fileName: "file.pdf",
    hashHelp: "How to save and check your invoices",
    historyCaption: "Successive statuses of the invoice",
    historyDate: "Date",
    historyStatus: "Status",
    historyCode: "Code",
    removedEvent: "Removed from the portal",
    statusOther: (code: number) => `Status ${code}`,
    statuses: {
      200: "Submitted",
      203: "Made available",
      204: "Taken over",
      205: "Approved",
      207: "Disputed",
      210: "Refused",
      212: "Paid",
      213: "Rejected",
      900: "Removed from the portal",
      901: "Withdrawn by the issuer",
    } as Record<number, string>,
    vatCategories: {
      S: "Standard rate",
      Z: "Zero rate",
      E: "Exempt",
      AE: "Reverse charge",
      K: "Intra-community supply",
      G: "Export outside the EU",
      O: "Outside the scope of VAT",
      L: "Canary Islands (IGIC)",
      M: "Ceuta and Melilla (IPSI)",
    } as Record<string, string>,
    types: {
      "380": "Invoice",
      "381": "Credit note",
      "384": "Corrective invoice",
      "386": "Prepayment invoice",
      "389": "Self-billed invoice",
    } as Record<string, string>,
    typeOther: (code: string) => `Type ${code}`,
    // Issue #13 item 13: the preview and the folded verification.
    preview: "Preview",
    previewFrame: (title: string) => `PDF preview: ${title}`,
    previewHint: "Shown by your browser, without downloading. To keep the original, use “Download the PDF”.",
    previewOpen: "Open the preview in a new tab",
    lifecycleCaption: "Lifecycle status codes",
    duplicata: "Duplicate",
    duplicataSent: (date: string) =>
      `Duplicate: the original of this invoice was sent to your company's e-invoicing platform on ${date}.`,
    duplicataPending:
      "Duplicate: the original of this invoice reaches your company through the e-invoicing platforms (plateformes agréées).",
    duplicataExplain:
      "For VAT, the invoice that counts is the original received by your company's platform. This portal keeps a copy of it for you, identical to the file sent, to view and download.",
    keepItDuplicata: "This duplicate can be viewed here until that date.",
    pdfHintDuplicata: (size: string) => `Duplicate PDF, ${size}`,
    paTitle: "Tracking by the e-invoicing platforms",
    paLead: "The statuses the e-invoicing platforms reported for this invoice, oldest first.",
    paNone: "The platforms have not reported any status for this invoice yet.",
    paBy: (role: string) => `Reported by ${role}`,
    paReason: "Reason",
    paRoles: {
      SE: "the issuer",
      BY: "your company",
      WK: "an e-invoicing platform",
      PE: "the payee",
      DL: "the factor",
      AB: "the buying department",
      PR: "the buyer",
    } as Record<string, string>,
    paRoleOther: (code: string) => `party ${code}`,
    paMeaning: {
      200: "The issuer filed the invoice with its e-invoicing platform.",
      201: "The issuer's platform sent it to your company's platform.",
      202: "Your company's platform received it.",
      203: "It is available to your company on its platform.",
      204: "Your company took it over for processing.",
      205: "Your company approved it.",
      206: "Your company approved part of it.",
      207: "Your company reported a disagreement about this invoice.",
      208: "Its processing is suspended, waiting for more information.",
      209: "The missing information was provided.",
      210: "Your company refused it.",
      211: "Your company reported that it sent the payment.",
      212: "The issuer collected the payment.",
      213: "The platform rejected it: it cannot be received as it is.",
    } as Record<number, string>,
    paReasons: {
      TX_TVA_ERR: "wrong VAT rate",
      MONTANTTOTAL_ERR: "wrong total amount",
      CALCUL_ERR: "calculation error",
      NON_CONFORME: "invoice not compliant",
      DOUBLON: "duplicate invoice",
      DOUBLE_FACT: "invoiced twice",
      DEST_ERR: "wrong recipient",
      DEST_INC: "unknown recipient",
      EMMET_INC: "unknown issuer",
      TRANSAC_INC: "unknown transaction",
      CONTRAT_TERM: "contract ended",
      CMD_ERR: "wrong order reference",
      ADR_ERR: "wrong address",
      SIRET_ERR: "wrong SIRET",
      CODE_ROUTAGE_ERR: "wrong routing code",
      ROUTAGE_ERR: "routing error",
      REF_CT_ABSENT: "contract reference missing",
      REF_ERR: "wrong reference",
      PU_ERR: "wrong unit price",
      REM_ERR: "wrong discount",
      QTE_ERR: "wrong quantity invoiced",
      ART_ERR: "wrong item invoiced",
      MODPAI_ERR: "wrong payment terms",
      QUALITE_ERR: "quality of the delivered item",
      LIVR_INCOMP: "incomplete delivery",
      COORD_BANC_ERR: "wrong bank details",
      JUSTIF_ABS: "supporting document missing",
      REJ_SEMAN: "inconsistent invoice data",
      REJ_UNI: "invoice already received",
      REJ_COH: "invoice and its data do not match",
      REJ_ADR: "cannot be addressed",
      IRR_SYNTAX: "unreadable file",
      AUTRE: "other reason",
    } as Record<string, string>,
    portalEvents: {
      203: "Viewable on the portal",
      204: "Downloaded from the portal",
    } as Record<number, string>,
  },
  downloads: {
    integrityTitle: "File temporarily unavailable",
    integrityText:
      "The file of this invoice could not be verified, so it is not sent to you. Our teams have been alerted; please try again later or contact your customer-service advisor.",
    goneTitle: "Invoice removed from the portal",
    goneText: (date: string) =>
      `This invoice was removed from the portal on ${date}, at the end of its availability period: its file can no longer be downloaded.`,
    goneHint:
      "If you downloaded it before, your copy is the reference: its SHA-256 fingerprint is shown on the invoice page. Otherwise, contact your customer-service advisor.",
    goneDetail: "See the invoice page",
    proofGoneText: (date: string) =>
      `This invoice was removed from the portal on ${date}, at the end of its availability period: its proof can no longer be downloaded here.`,
    proofIntegrityTitle: "Proof temporarily unavailable",
    proofIntegrityText:
      "The file of this invoice could not be verified, so no proof is delivered. Our teams have been alerted; please try again later or contact your customer-service advisor.",
    noneTitle: "No invoice to download",
    noneAll: "No downloadable invoice matches these criteria. Change the list filters and try again.",
    noneSelected:
      "No downloadable invoice was ticked. Tick the invoices you want in the list, or choose “select all”, and try again.",
    noneRemoved: (count: number) =>
      count > 1
        ? `The ${n(count)} invoices you chose were removed from the portal: their files can no longer be downloaded.`
        : "The invoice you chose was removed from the portal: its file can no longer be downloaded.",
    busyTitle: "A download is already running",
    busyText:
      "A ZIP archive of your invoices is already being prepared for your account. Wait until it is finished, then try again.",
    tooManyTitle: "Too many invoices for one archive",
    tooManyAll: (max: number) =>
      `More than ${n(max)} invoices match these criteria: a ZIP archive holds ${n(max)} at most. Narrow the list filters (for example one year or one contract at a time), then try again.`,
    tooManySelected: (max: number) =>
      `You ticked more than ${n(max)} invoices: a ZIP archive holds ${n(max)} at most. Download them in several goes.`,
    zipName: "invoices",
  },
  csv: {
    header: [
      "Number",
      "Type",
      "Type code",
      "Issue date",
      "Due date",
      "Contract",
      "Customer number",
      "Total excl. VAT",
      "VAT",
      "Total incl. VAT",
      "Amount due",
      "Currency",
      "SHA-256",
      "Available until",
      "Downloaded on",
    ],
    invoice: "Invoice",
    creditNote: "Credit note",
    fileName: "invoices",
  },
  help: {
    navLabel: "Help pages",
    faqTitle: "Help and frequently asked questions",
    faqLead: (issuer: string) => `Answers to the most common questions about the ${issuer} invoice portal.`,
    tenantFaqTitle: (issuer: string) => `Questions from ${issuer}`,
    platformFaqTitle: "Frequently asked questions about E-FACTURE",
    otherPages: "See also",
    save: {
      title: "Saving your invoices",
      lead: "The portal keeps your invoices available for a limited time. The law asks you to keep them much longer: here is how to keep a faithful copy.",
      sections: [
        {
          h: "One invoice at a time: the PDF",
          p: [
            "On an invoice's page, “Download the PDF” gives you the original published by the issuer, byte for byte. This is the file to keep: for most invoices it also holds the Factur-X structured data.",
          ],
        },
        {
          h: "The structured data: the XML",
          p: [
            "“Download the data (XML)” gives the Factur-X data (EN 16931 standard) held in the PDF, ready to be imported into accounting software. The XML complements the PDF; it does not replace it.",
          ],
        },
        {
          h: "Several invoices at once: the ZIP archive",
          p: [
            "In “My invoices”, tick the invoices you want then “Download the selection (ZIP)”, or download all the invoices matching your filters. The archive puts the PDFs in one folder per year and holds an index.csv file listing each invoice with its SHA-256 fingerprint. An archive holds 5,000 invoices at most: beyond that, download one year at a time.",
          ],
        },
        {
          h: "The list for your accounts: the CSV export",
          p: [
            "“Export (CSV for Excel)” writes the filtered list (numbers, dates, amounts, fingerprints) to a file Excel opens directly; “Plain CSV” suits other software. The export is a list: it does not replace the invoices themselves.",
          ],
        },
        {
          h: "Checking a copy: the SHA-256 fingerprint",
          p: [
            "Each invoice has a SHA-256 fingerprint, shown on its page and in index.csv. If you compute the fingerprint of your copy and get the same value, your file is identical to the original, bit for bit.",
          ],
          commands: [
            { label: "Linux, macOS", code: "sha256sum invoice.pdf" },
            { label: "Windows (PowerShell)", code: "Get-FileHash invoice.pdf" },
          ],
        },
        {
          h: "Where to keep them?",
          p: [
            "On storage you back up regularly (a backed-up computer, a file server, your accountant's archiving tool), ideally in two separate places. Keep the files as they are: a PDF opened and saved again is no longer the original.",
          ],
        },
      ],
    },
    fiscal: {
      title: "Legal value and keeping duty",
      lead: "The invoices on this portal are electronic originals. Here is, simply, what that means for you.",
      sections: [
        {
          h: "An original, not a copy",
          p: [
            "The file published by the issuer is the original invoice: it has the same value for tax purposes as a paper invoice, in particular for deducting VAT. The portal keeps it and gives it to you unchanged, byte for byte.",
          ],
        },
        {
          h: "Factur-X: a readable PDF and data",
          p: [
            "Most invoices are in the Factur-X format: a PDF you read as usual, which also holds a standard XML file (EN 16931) that accounting software can read. It is the format chosen for electronic invoicing in France.",
          ],
        },
        {
          h: "On the portal: a limited period",
          p: [
            "Each invoice stays online for the period set by the issuer (usually 2 years; the date is shown on each invoice). After that, it is removed from the portal and its file can no longer be downloaded there.",
          ],
        },
        {
          h: "On your side: 6 to 10 years",
          p: [
            "French law asks you to keep your invoices much longer: 6 years for the tax authorities, 10 years for a company's accounting records. Keeping them is your responsibility: download your invoices while they are online and keep a faithful copy (see “Saving your invoices”).",
          ],
        },
        {
          h: "In electronic form",
          p: [
            "An invoice received in electronic form is kept in electronic form: printing the PDF is not enough. Keep the original file, whose SHA-256 fingerprint proves it has not been changed.",
          ],
        },
      ],
    },
  },
  legal: {
    noticeTitle: "Legal notice",
    noticeLead: (issuer: string) => `The ${issuer} invoice portal, an E-FACTURE service.`,
    publisherTitle: "Publisher of the portal",
    company: "Company name",
    address: "Address",
    siren: "SIREN",
    contact: "Contact",
    publicationDirector: "Publication director",
    hostTitle: "Service and hosting",
    hostText:
      "The portal is provided by the E-FACTURE service, which keeps the original invoices published by the issuer and makes them available to its customers.",
    operatorNote:
      "Where the issuer has not yet given a detail, the one of the E-FACTURE service operator is shown.",
    privacyTitle: "Privacy and personal data",
    privacyLead: (issuer: string) => `How your data is used on the ${issuer} invoice portal.`,
    controllerTitle: "Data controller",
    controllerText: (company: string) =>
      `${company} is the controller of your data on this portal; the E-FACTURE service acts on its behalf.`,
    dataTitle: "Data processed",
    dataItems: [
      "your invoices and the information they hold (identities, amounts, contracts);",
      "your e-mail address, your identifier and your preferences (language, new-invoice notices);",
      "a fingerprint of your password (never the password itself);",
      "security records: logins, downloads, IP address and browser of open sessions.",
    ],
    purposeTitle: "Purposes",
    purposeText:
      "Making your invoices available to you, telling you when they arrive and before they are removed, securing your account and proving what was published and downloaded. No data is used for advertising or passed on to third parties for that purpose.",
    durationTitle: "How long data is kept",
    durationText: (duration: string) =>
      `Your invoices stay online for ${duration} after they are published; security records are kept as long as needed to prove that invoices were made available.`,
    cookiesTitle: "Cookies",
    cookiesText:
      "The portal only uses cookies it needs to work: the login session, form protection and the language you chose. No audience-measurement or advertising cookies.",
    rightsTitle: "Your rights",
    rightsText:
      "You can access your data, have it corrected or ask for it to be erased, within the legal duties to keep invoices. Write to the data protection officer:",
    complaint:
      "You can also lodge a complaint with the CNIL, the French data protection authority (www.cnil.fr).",
    operator: {
      companyName: "E-FACTURE, platform operator",
      address: "Address of the E-FACTURE operator, given on request",
      siren: "Given on request by the E-FACTURE operator",
      contactEmail: "Your customer-service advisor",
      dpoEmail: "Your customer-service advisor, who forwards to the E-FACTURE operator's officer",
      publisherName: "The legal representative of the E-FACTURE operator",
    },
  },
  // Issue #13 item 9: an invoice the issuer withdrew (published to the wrong customer).
  withdrawn: {
    title: "Invoice withdrawn by the issuer",
    text: (date: string) =>
      `This invoice was withdrawn from the portal on ${date} by the issuer: it was not meant for you, or it has been replaced.`,
    hint: "If you downloaded it, please delete your copy. For any question, contact your customer-service advisor.",
  },
  /** Issue #13 items 11–12: the issuer's contact block, the hosting provider, a portal not yet open. */
  portalDetails: {
    contactTitle: "Contact us",
    contactLead: (issuer: string) =>
      `${issuer} customer service answers your questions about your invoices, your contracts and the e-mail address on record. Have your customer number(s) at hand.`,
    phone: "Phone",
    hours: "Opening hours",
    email: "E-mail",
    address: "Postal address",
    form: "Form",
    formLink: "Write to customer service",
    seeContact: "Customer-service contact details",
    hostName: "Hosting provider",
    hostAddress: "Hosting provider's address",
    hostPhone: "Hosting provider's phone",
    dpo: "Data protection officer",
    operatorHost: {
      hostName: "Hosting provider of the E-FACTURE operator, given on request",
      hostAddress: "Given on request by the E-FACTURE operator",
      hostPhone: "Given on request by the E-FACTURE operator",
    },
    closedTitle: "This portal is not open yet",
    closedText: (issuer: string) =>
      `The ${issuer} invoice portal is being set up. Please come back a little later: your invoices will be available here as soon as it opens.`,
    draftBanner:
      "Development preview: the legal notice is incomplete. In production this portal would stay closed to customers until these details are given:",
  },
};
