import { writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/app.js";
import { parseMailParams } from "../src/domain/mail/mail-request.js";
import { buildWebApp } from "../src/http/web-app.js";
import {
  AUDIT_SEAL_CRON,
  auditSealHandler,
  auditVerifyHandler,
  scheduleAuditJobs,
} from "../src/jobs/audit-seal.job.js";
import { MAIL_TEMPLATES } from "../src/mail/templates/index.js";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { publishFor } from "./support/audit-fixtures.js";
import { customerClient, makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const context = { jobId: "test", retryCount: 0, retryLimit: 0, lastAttempt: true };

describe.each(ENGINES)("nightly seal and verification jobs on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  const logLines: string[] = [];

  beforeAll(async () => {
    const logger = createLogger(
      { logLevel: "info" },
      new Writable({
        write(chunk, _e, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    services = await openTestServices(engine, { logger, overrides: { OPERATOR_EMAIL: "ops@example.com" } });
  }, 120_000);
  afterAll(async () => {
    await services?.dispose();
  });

  const alerts = () =>
    services.db.query<{
      to_address: string;
      params: { source: string; lines: string[] };
      tenant_id: string | null;
    }>("select to_address, params, tenant_id from mails where kind = 'integrity-alert' order by queued_at");

  it("schedules the seal every night at 23:50 UTC", async () => {
    await scheduleAuditJobs(services.queue);
    await scheduleAuditJobs(services.queue);
    const schedules = await services.queue.boss.getSchedules();
    expect(schedules.filter((s) => s.name === "audit-seal")).toEqual([
      expect.objectContaining({
        name: "audit-seal",
        cron: AUDIT_SEAL_CRON,
        options: expect.objectContaining({ tz: "UTC" }),
      }),
    ]);
  });

  it("seals, queues the verification, and alerts the operator (log at error level and mail) when it fails", async () => {
    const tenant = await makeTenant(services.db, { slug: "nuit", displayName: "Nuit" });
    await publishFor(services, tenant, "N-1", "NC-1");
    await auditSealHandler(services, { now: () => new Date("2026-11-20T23:50:00Z") })({}, context);
    const seals = await services.db.query<{ day: string }>(
      "select day from audit_seals where tenant_id = $1",
      [tenant.id],
    );
    expect(seals.map((s) => s.day)).toEqual(["2026-11-20"]);
    const [queued] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from ${services.testEnv.schema ? `${services.testEnv.schema}_boss` : "pgboss"}.job where name = 'audit-verify'`,
    );
    expect(queued!.n).toBeGreaterThanOrEqual(1);

    await auditVerifyHandler(services)({}, context);
    expect(logLines.join("")).toContain('"event":"audit.verified"');
    expect(await alerts()).toEqual([]);

    await services.db.query(
      "update audit_entries set details = '{}' where tenant_id = $1 and action = 'invoice.published'",
      [tenant.id],
    );
    await auditVerifyHandler(services)({}, context);
    const failed = logLines.map((l) => JSON.parse(l)).find((l) => l.event === "audit.verify_failed");
    expect(failed.level).toBe(50);
    expect(failed.problems[0]).toMatch(/^audit chain nuit: entry \d+ \(invoice.published, .*\) was altered/);
    const [mail] = await alerts();
    expect(mail!.to_address).toBe("ops@example.com");
    expect(mail!.tenant_id).toBeNull();
    expect(mail!.params.source).toBe("verifier");
    const rendered = MAIL_TEMPLATES["integrity-alert"](
      { language: "fr", tenantName: "E-FACTURE", tenantColor: "#1f4e79", portalUrl: "http://localhost:3000" },
      parseMailParams("integrity-alert", mail!.params),
    );
    expect(rendered.subject).toBe("Alerte d’intégrité E-FACTURE\u00a0: la vérification nocturne a échoué");
    expect(rendered.text).toContain("audit chain nuit: entry");
    expect(rendered.text).toContain("efacture audit verify");
  });

  it("alerts the operator when a download finds an altered original, once an hour per file", async () => {
    const tenant = await makeTenant(services.db, { slug: "flip", displayName: "Flip" });
    const invoice = await publishFor(services, tenant, "FL-1", "FC-1");
    const [account] = await services.db.query<{ id: string }>(
      "select account_id as id from customers where tenant_id = $1 and customer_number = 'FC-1'",
      [tenant.id],
    );
    const app = await buildWebApp(services);
    try {
      const { client } = await customerClient(services, app, tenant, account!.id);
      const store = createFsBlobStore(path.join(services.testEnv.dataDir, "blobs"));
      const flipped = Buffer.from(invoice.bytes);
      flipped[200]! ^= 0x80;
      writeFileSync(store.pathOf(invoice.sha256), flipped);
      const before = (await alerts()).length;
      expect((await client.get(`/factures/${invoice.id}/pdf`)).statusCode).toBe(500);
      const after = await alerts();
      expect(after).toHaveLength(before + 1);
      expect(after.at(-1)!.params.source).toBe("download");
      expect(after.at(-1)!.params.lines[0]).toContain(
        `invoice ${invoice.id}: stored file hash_mismatch (pdf)`,
      );

      // The customer tries again, twice: each failure is audited, the operator gets no more mail this hour.
      const audited = async () =>
        (
          await services.db.query<{ n: number }>(
            "select count(*)::int as n from audit_entries where tenant_id = $1 and action = 'integrity.failed'",
            [tenant.id],
          )
        )[0]!.n;
      const failures = await audited();
      expect((await client.get(`/factures/${invoice.id}/pdf`)).statusCode).toBe(500);
      expect((await client.get(`/factures/${invoice.id}/pdf`)).statusCode).toBe(500);
      expect(await audited()).toBe(failures + 2);
      expect(await alerts()).toHaveLength(before + 1);
      // An hour later, the file still damaged: one more mail.
      await services.db.query(
        "update throttles set window_started_at = window_started_at - interval '61 minutes' where tenant_id = $1 and key = $2",
        [tenant.id, `integrity-alert:${invoice.sha256}`],
      );
      expect((await client.get(`/factures/${invoice.id}/pdf`)).statusCode).toBe(500);
      expect(await alerts()).toHaveLength(before + 2);
    } finally {
      await app.close();
    }
  });
});
