import { describe, expect, it } from "vitest";
import { pathParam, refusals, refused } from "./schemas.js";

describe("API schema helpers", () => {
  it("lists the refusals asked for, each the shared error answer of its status", () => {
    const picked = refusals(401, 404, 500);
    expect(Object.keys(picked)).toEqual(["401", "404", "500"]);
    expect(picked[404]).toBe(refused[404]);
  });

  it("describes one string path parameter, required", () => {
    expect(pathParam("id", "the invoice id (a UUID)")).toEqual({
      type: "object",
      required: ["id"],
      properties: { id: { type: "string", description: "the invoice id (a UUID)" } },
    });
  });
});
