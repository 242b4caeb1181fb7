import { describe, expect, it } from "vitest";
import { transmissionHold } from "./transmission-hold.js";

describe("transmissionHold", () => {
  it("holds a B2B invoice that failed the rules, or is not checked yet", () => {
    expect(transmissionHold({ processingRule: "B2B", validationStatus: "failed" })).toEqual({
      reason: "validation_failed",
    });
    expect(transmissionHold({ processingRule: "B2B", validationStatus: "pending" })).toEqual({
      reason: "validation_pending",
    });
    expect(transmissionHold({ processingRule: "B2B", validationStatus: null })).toEqual({
      reason: "validation_pending",
    });
  });

  it("lets a B2B invoice that passed (or has warnings only) go", () => {
    expect(transmissionHold({ processingRule: "B2B", validationStatus: "passed" })).toBeNull();
    expect(transmissionHold({ processingRule: "B2B", validationStatus: "warnings" })).toBeNull();
  });

  it.each(["B2C", "B2BInt", "OutOfScope", "ArchiveOnly", null])("never holds route %s", (rule) => {
    expect(transmissionHold({ processingRule: rule, validationStatus: "failed" })).toBeNull();
  });
});
