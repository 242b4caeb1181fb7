import { describe, expect, it } from "vitest";
import { enrolProblemText, LOGIN_FAILED, loginRefusedText } from "./messages.fr.js";

describe("back-office refusal texts", () => {
  it("says one thing for every wrong address or password", () => {
    expect(loginRefusedText({ reason: "invalid" })).toBe(LOGIN_FAILED);
  });

  it("tells a throttled login how many whole minutes to wait, at least one", () => {
    expect(loginRefusedText({ reason: "throttled", retryAfterSeconds: 5 })).toContain("dans 1 minute.");
    expect(loginRefusedText({ reason: "throttled", retryAfterSeconds: 61 })).toContain("dans 2 minutes.");
  });

  it("names the enrolment problem: the code, the secret shown, or the password rule", () => {
    expect(enrolProblemText("bad_code")).toMatch(/^Ce code ne correspond pas/);
    expect(enrolProblemText("secret_expired")).toMatch(/^La clé affichée/);
    expect(enrolProblemText("mismatch")).not.toBe(enrolProblemText("too_short"));
  });
});
