import type { ErrorCode } from "./error-codes.js";

/** A rule of the domain was not met: a stable snake_case code and a message a person can act on. No HTTP status here. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "DomainError";
  }
}
