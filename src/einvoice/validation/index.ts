// The compliance check against the official French rules (FNFE-MPE): docs/compliance.md.

export { NotAnInvoiceError } from "./errors.js";
export { explanationOf } from "./explanations.js";
export { RULES_VERSION } from "./rule-sets.js";
export type {
  InvoiceValidator,
  ValidationFinding,
  ValidationReport,
  ValidationStatus,
  ValidationVerdict,
} from "./types.js";
export {
  createValidatorPool,
  DEFAULT_VALIDATOR_POOL,
  type ValidatorPool,
  type ValidatorPoolOptions,
} from "./validator-pool.js";
