// Kept apart from validate-invoice.ts so that importing the pool (src/app.ts, every CLI command) does not
// load the Factur-X reader and the rule engine: those load in the worker threads.

/** The file holds no invoice the rules could judge (a PDF without Factur-X XML, UBL, junk…). */
export class NotAnInvoiceError extends Error {
  readonly code = "not_an_invoice";
  constructor(message: string) {
    super(message);
    this.name = "NotAnInvoiceError";
  }
}
