import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHAIN_VERSION_ACTION } from "../src/domain/audit/audit-chain.js";
import { AUDIT_ACTION_LABELS, MAIL_KIND_LABELS } from "../src/http/views/staff/messages.fr.js";
import { MAIL_TEMPLATES } from "../src/mail/templates/index.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [file] : [];
  });
}

/** Every audit action written by the code: `action: "x.y"` (ternaries too) and the `audit(tx, …, "x.y", …)` helpers. */
function auditActions(): Set<string> {
  const found = new Set<string>([CHAIN_VERSION_ACTION]);
  for (const file of sources(path.resolve(__dirname, "../src"))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\baction: ([^,\n]+)/g))
      for (const q of m[1]!.matchAll(/"([a-z_]+\.[a-z_]+)"/g)) found.add(q[1]!);
    for (const m of text.matchAll(/\baudit\(\w+, [^,]+, (?:[^,]+, )?"([a-z_]+\.[a-z_]+)"/g)) found.add(m[1]!);
  }
  return found;
}

describe("back office labels (outside tester, items 9 and 20)", () => {
  it("names every audit action the code writes, so each is in the journal's Action filter", () => {
    const actions = auditActions();
    expect(actions).toContain("tenant.contact_changed");
    expect(actions).toContain("invoice.published");
    expect([...actions].filter((a) => !Object.hasOwn(AUDIT_ACTION_LABELS, a)).sort()).toEqual([]);
  });

  it("names every mail kind in French for the « Mails envoyés » column", () => {
    expect(Object.keys(MAIL_TEMPLATES).filter((k) => !Object.hasOwn(MAIL_KIND_LABELS, k))).toEqual([]);
  });

  it("writes the labels with French typography (no plain space before : ; ! ?)", () => {
    for (const label of [...Object.values(AUDIT_ACTION_LABELS), ...Object.values(MAIL_KIND_LABELS)])
      expect(label).not.toMatch(/ [:;!?]|[^\u00a0]:|[^\u202f][;!?]/);
  });
});
