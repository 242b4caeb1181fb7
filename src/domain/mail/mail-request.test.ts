import { describe, expect, it } from "vitest";
import { PermanentJobFailure } from "../shared/jobs.js";
import { type MailParams, parseMailParams, type QueuedMailKind } from "./mail-request.js";

/** As the send-mail job reads them: JSON in the `mails` table, parsed back. */
const stored = (params: unknown): unknown => JSON.parse(JSON.stringify(params));

const EXAMPLES: { [K in QueuedMailKind]: MailParams[K] } = {
  activation: { identifier: "K7QM-4TZP", email: "a@example.com", retentionMonths: 24 },
  "new-invoices": {
    count: 21,
    invoices: [
      {
        invoiceNumber: "FA-1",
        typeCode: "380",
        issueDate: "2026-01-31",
        grandTotal: "12.50",
        currency: "EUR",
      },
    ],
  },
  "password-changed": { at: "2026-01-31T10:00:00.000Z", identifier: "K7QM-4TZP" },
  "retention-reminder": { days: 15, count: 3, earliest: "2026-03-01T00:00:00.000Z" },
  "integrity-alert": {
    source: "download",
    lines: ["invoice FA-1: SHA-256 differs"],
    at: "2026-01-31T10:00:00.000Z",
  },
  "email-changed": { at: "2026-01-31T10:00:00.000Z", customerNumber: "C-1001", by: "issuer" },
  "email-changed-new": {
    at: "2026-01-31T10:00:00.000Z",
    identifier: "K7QM-4TZP",
    customerNumbers: "C-1, C-2",
  },
  "password-reset": {},
};

describe("parseMailParams", () => {
  it("reads back the params of every kind as they were queued", () => {
    for (const [kind, params] of Object.entries(EXAMPLES))
      expect(parseMailParams(kind as QueuedMailKind, stored(params)), kind).toEqual(params);
  });

  it("keeps only the fields the template reads", () => {
    expect(
      parseMailParams("password-changed", {
        at: "2026-01-31T10:00:00.000Z",
        identifier: "X",
        token: "secret",
      }),
    ).toEqual({ at: "2026-01-31T10:00:00.000Z", identifier: "X" });
  });

  it("refuses params that do not fit their kind, naming the field, as a permanent job failure", () => {
    const refusal = (kind: QueuedMailKind, params: unknown) => {
      try {
        parseMailParams(kind, params);
      } catch (error) {
        expect(error).toBeInstanceOf(PermanentJobFailure);
        return (error as Error).message;
      }
      throw new Error(`${kind}: accepted ${JSON.stringify(params)}`);
    };
    expect(refusal("activation", null)).toBe("activation mail: params are not an object");
    expect(refusal("activation", { identifier: "K", email: "a@example.com", retentionMonths: "24" })).toBe(
      "activation mail: params.retentionMonths is not a number",
    );
    expect(refusal("email-changed", { at: "t", customerNumber: "C-1", by: "robot" })).toBe(
      'email-changed mail: params.by is not "advisor" or "issuer"',
    );
    expect(refusal("new-invoices", { count: 1, invoices: "FA-1" })).toBe(
      "new-invoices mail: params.invoices is not a list",
    );
    expect(
      refusal("new-invoices", {
        count: 1,
        invoices: [{ ...EXAMPLES["new-invoices"].invoices[0], currency: 978 }],
      }),
    ).toBe("new-invoices mail: params.invoices.0.currency is not a string");
    expect(refusal("integrity-alert", { source: "cron", lines: [], at: "t" })).toBe(
      'integrity-alert mail: params.source is not "download" or "verifier"',
    );
  });

  it("sends an operator alert whatever its lines hold", () => {
    expect(
      parseMailParams("integrity-alert", { source: "verifier", at: "t", lines: [1, "two"] }).lines,
    ).toEqual(["1", "two"]);
    expect(parseMailParams("integrity-alert", { source: "verifier", at: "t" }).lines).toEqual([]);
  });
});
