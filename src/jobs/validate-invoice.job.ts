import type { Services } from "../app.js";
import { type ValidateInvoiceData, validateInvoiceJob } from "../domain/shared/jobs.js";
import { validatePublishedInvoice } from "../domain/validation/validate-invoice.js";
import type { JobHandler } from "./queue.js";

export { type ValidateInvoiceData, validateInvoiceJob };

/** Checks one published invoice against the official rules (src/domain/validation/validate-invoice.ts). */
export function validateInvoiceHandler(
  deps: Pick<Services, "db" | "blobs" | "queue" | "logger" | "config" | "validator">,
): JobHandler<ValidateInvoiceData> {
  return async (data) => {
    await validatePublishedInvoice({ ...deps, operatorEmail: deps.config.operatorEmail ?? undefined }, data);
  };
}
