import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { publishDeps } from "../src/app.js";
import { invoicesCommand } from "../src/cli/commands/invoices.js";
import { tenantCommand } from "../src/cli/commands/tenant.js";
import { findTenantBySlug, type TenantRow } from "../src/db/tenants.queries.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { validateInvoiceJob } from "../src/domain/shared/jobs.js";
import { updateDefaultProcessingRule } from "../src/domain/staff/tenant-settings.js";
import { queueValidationBacklog } from "../src/domain/validation/queue-validation-backlog.js";
import type { FacturXInput } from "../src/einvoice/build-cii-xml.js";
import type { InvoiceValidator, ValidationReport } from "../src/einvoice/validation/types.js";
import { buildWebApp } from "../src/http/web-app.js";
import { validateInvoiceHandler, validateInvoiceWorkerHandler } from "../src/jobs/validate-invoice.job.js";
import { facturx, facturxPdf, issuer, makeCustomer, makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

// Issue #15 item 2 and #16 item 1: the route of each invoice, the "pending" check queued at publication, the
// job that stores the validator's report once, the B2B hold, and what the API shows.

// The builder writes plain notes only: a note "BAR:<value>" becomes the BAR note an issuer's software writes.
vi.mock("../src/einvoice/build-cii-xml.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../src/einvoice/build-cii-xml.js")>();
  return {
    ...original,
    buildCiiXml: (input: FacturXInput) =>
      original
        .buildCiiXml(input)
        .replace(
          /<ram:IncludedNote><ram:Content>BAR:([^<]*)<\/ram:Content><\/ram:IncludedNote>/,
          "<ram:IncludedNote><ram:Content>$1</ram:Content><ram:SubjectCode>BAR</ram:SubjectCode></ram:IncludedNote>",
        ),
  };
});

const HOST = "route.localhost:3000";
const BUYER_SIREN = "552100554";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A deterministic validator: the report set for a file's SHA-256 (passed otherwise), or a failure. */
function fakeValidator() {
  const reports = new Map<string, ValidationReport>();
  const state = { calls: 0, down: false };
  const validator: InvoiceValidator = {
    async validate(bytes, options) {
      state.calls++;
      expect(options.owner).toMatch(/^[0-9a-f-]{36}$/);
      if (state.down) throw new Error("validator pool busy");
      return (
        reports.get(sha256(bytes)) ?? {
          profile: "EN16931",
          rulesVersion: "FNFE-MPE 1.4.0",
          status: "passed",
          findings: [],
        }
      );
    },
    async close() {},
  };
  return { validator, reports, state };
}

const FAILED: ValidationReport = {
  profile: "EN16931",
  rulesVersion: "FNFE-MPE 1.4.0",
  status: "failed",
  findings: [
    {
      rule: "BR-CO-26",
      flag: "fatal",
      message: "[BR-CO-26] Le SIREN du vendeur est obligatoire.",
      location: "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction",
      explanation: { fr: "Le SIREN du vendeur manque.", en: "The seller's SIREN is missing." },
    },
    {
      rule: "BR-FR-CO-15",
      flag: "warning",
      message: "A warning of the rules.",
      location: "",
      explanation: null,
    },
  ],
};

describe.each(ENGINES)("route and compliance check at publication on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let other: TenantRow;
  let key: string;
  const fake = fakeValidator();
  let n = 0;

  beforeAll(async () => {
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db, { slug: "route", displayName: "Route Location" });
    other = await makeTenant(services.db, { slug: "other", displayName: "Other" });
    key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    await makeCustomer(services, tenant, "C-1", { email: null });
    await makeCustomer(services, other, "C-1", { email: null });
    app = await buildWebApp(services);
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  /** A new invoice for C-1; `bar` becomes its BAR note; the buyer has a SIREN unless `noSiren`. */
  const invoice = (options: { bar?: string; noSiren?: boolean } = {}) => {
    const input = facturx(`R-${++n}`, "C-1", options.bar === undefined ? {} : { note: `BAR:${options.bar}` });
    if (!options.noSiren) input.buyer = { ...input.buyer, siren: BUYER_SIREN };
    return facturxPdf(input);
  };

  const publish = async (bytes: Uint8Array, metadata?: Record<string, unknown>, lang = "fr") => {
    const { payload, contentType } = await multipart({
      file: { bytes, filename: "f.pdf" },
      ...(metadata ? { metadata: JSON.stringify(metadata) } : {}),
    });
    return app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers: {
        host: HOST,
        authorization: `Bearer ${key}`,
        "content-type": contentType,
        "accept-language": lang,
      },
      payload,
    });
  };
  const get = (id: string, lang = "fr") =>
    app.inject({
      method: "GET",
      url: `/api/v1/invoices/${id}`,
      headers: { host: HOST, authorization: `Bearer ${key}`, "accept-language": lang },
    });

  /** The validate-invoice jobs queued for this invoice (taken from the queue, as a worker would). */
  const takeJobs = async (invoiceId: string) => {
    const jobs = await services.queue.boss.fetch<{ tenantId: string; invoiceId: string }>(
      validateInvoiceJob.name,
      { batchSize: 100 },
    );
    return jobs.filter((job) => job.data.invoiceId === invoiceId);
  };
  const runJob = (data: { tenantId: string; invoiceId: string }) =>
    validateInvoiceHandler({ ...services, validator: fake.validator })(validateInvoiceJob.parse(data), {
      jobId: "test",
      retryCount: 0,
      retryLimit: validateInvoiceJob.retryLimit,
      lastAttempt: false,
    });

  it("routes by the file's BAR note, records the invoice pending and queues its check in the same transaction", async () => {
    const res = await publish(await invoice({ bar: "B2B" }));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.processingRule).toBe("B2B");
    expect(body.validation).toEqual({
      status: "pending",
      rulesVersion: null,
      findings: [],
      transmissionHold: { reason: "validation_pending" },
    });
    const jobs = await takeJobs(body.id);
    expect(jobs.map((j) => j.data)).toEqual([{ tenantId: tenant.id, invoiceId: body.id }]);
    // Queued in one statement for the batch, with the queue's retry policy (backoff when the validator is down).
    const stored = await services.queue.boss.getJobById(validateInvoiceJob.name, jobs[0]!.id);
    expect(stored).toMatchObject({ retryLimit: validateInvoiceJob.retryLimit, retryBackoff: true });
  });

  it("routes by the metadata when the file states none, and refuses a value outside the Flow API enum", async () => {
    const res = await publish(await invoice(), { processingRule: "OutOfScope" });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().processingRule).toBe("OutOfScope");
    expect(res.json().validation.transmissionHold).toBeNull();

    const refused = await publish(await invoice(), { processingRule: "B2BINT" });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe("invalid_metadata");
    expect(refused.json().error.details.field).toBe("processingRule");
    expect(refused.json().error.message).toContain("B2B, B2BInt, B2C, OutOfScope, ArchiveOnly");
  });

  it("routes by the tenant's default, B2C out of the box, as the admin sets it", async () => {
    const bytes = await invoice();
    const first = await publishInvoice(publishDeps(services), { tenant, bytes, actor: issuer });
    expect((await get(first.invoice.id)).json().processingRule).toBe("B2C");

    await updateDefaultProcessingRule(services.db, {
      tenantId: tenant.id,
      actor: { type: "platform", id: "cli", name: "test" },
      ip: null,
      rule: "ArchiveOnly",
    });
    await expect(
      updateDefaultProcessingRule(services.db, {
        tenantId: tenant.id,
        actor: { type: "platform", id: "cli", name: "test" },
        ip: null,
        rule: "b2b",
      }),
    ).rejects.toMatchObject({ code: "invalid_processing_rule" });
    const reloaded = (await findTenantBySlug(services.db, "route"))!;
    expect(reloaded.defaultProcessingRule).toBe("ArchiveOnly");
    const second = await publishInvoice(publishDeps(services), {
      tenant: reloaded,
      bytes: await invoice(),
      actor: issuer,
    });
    expect((await get(second.invoice.id)).json().processingRule).toBe("ArchiveOnly");
    await updateDefaultProcessingRule(services.db, {
      tenantId: tenant.id,
      actor: { type: "platform", id: "cli", name: "test" },
      ip: null,
      rule: "B2C",
    });
  });

  it("lets the file win a conflict with the metadata, with a finding that says so", async () => {
    const res = await publish(await invoice({ bar: "B2C" }), { processingRule: "B2B" });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().processingRule).toBe("B2C");
    expect(res.json().findings.map((f: { code: string }) => f.code)).toContain("route_conflict");
  });

  it("notes BR-FR-11 for a B2B route without the buyer's SIREN, and the check fails it", async () => {
    const res = await publish(await invoice({ noSiren: true }), { processingRule: "B2B" });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id;
    expect(res.json().findings.map((f: { code: string }) => f.code)).toContain("buyer_siren_missing");
    // The fake validator passes the file: the route rule is ours (the official one reads only the BAR note).
    for (const job of await takeJobs(id)) await runJob(job.data);
    const validation = (await get(id, "en")).json().validation;
    expect(validation.status).toBe("failed");
    expect(validation.findings).toEqual([
      expect.objectContaining({
        rule: "BR-FR-11",
        flag: "fatal",
        explanation: expect.stringContaining("SIREN"),
      }),
    ]);
    expect(validation.transmissionHold).toEqual({ reason: "validation_failed" });
  });

  it("stores the validator's report once: status, rules version, findings in the request's language", async () => {
    const bytes = await invoice({ bar: "B2B" });
    fake.reports.set(sha256(bytes), FAILED);
    const id = (await publish(bytes)).json().id;
    const [job] = await takeJobs(id);
    const before = fake.state.calls;
    await runJob(job!.data);
    await runJob(job!.data); // a retry after an uncertain completion: nothing more
    expect(fake.state.calls - before).toBe(1);

    const fr = (await get(id, "fr")).json();
    expect(fr.validation).toEqual({
      status: "failed",
      rulesVersion: "FNFE-MPE 1.4.0",
      findings: [
        {
          rule: "BR-CO-26",
          flag: "fatal",
          message: "[BR-CO-26] Le SIREN du vendeur est obligatoire.",
          location: "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction",
          explanation: "Le SIREN du vendeur manque.",
        },
        {
          rule: "BR-FR-CO-15",
          flag: "warning",
          message: "A warning of the rules.",
          location: "",
          explanation: null,
        },
      ],
      transmissionHold: { reason: "validation_failed" },
    });
    const en = (await get(id, "en-GB,en;q=0.9")).json();
    expect(en.validation.findings[0].explanation).toBe("The seller's SIREN is missing.");
    // The list carries the same fields.
    const list = await app.inject({
      method: "GET",
      url: "/api/v1/invoices?limit=100",
      headers: { host: HOST, authorization: `Bearer ${key}` },
    });
    const listed = list.json().items.find((i: { id: string }) => i.id === id);
    expect(listed.validation.status).toBe("failed");
    expect(listed.processingRule).toBe("B2B");
  });

  it("publishes a failing B2C invoice all the same, never held", async () => {
    const bytes = await invoice({ bar: "B2C" });
    fake.reports.set(sha256(bytes), FAILED);
    const id = (await publish(bytes)).json().id;
    for (const job of await takeJobs(id)) await runJob(job.data);
    const body = (await get(id)).json();
    expect(body.validation.status).toBe("failed");
    expect(body.validation.transmissionHold).toBeNull();
    expect(body.status.code).toBe("203");
  });

  it("keeps the invoice pending and published while the validator is down, and the job fails to be retried", async () => {
    expect(validateInvoiceJob.retryLimit).toBeGreaterThan(0);
    expect(validateInvoiceJob.retryBackoff).toBe(true);
    const id = (await publish(await invoice({ bar: "B2B" }))).json().id;
    const [job] = await takeJobs(id);
    fake.state.down = true;
    try {
      await expect(runJob(job!.data)).rejects.toThrow("validator pool busy");
    } finally {
      fake.state.down = false;
    }
    expect((await get(id)).json().validation.status).toBe("pending");
    await runJob(job!.data);
    expect((await get(id)).json().validation.status).toBe("passed");
    expect((await get(id)).json().validation.transmissionHold).toBeNull();
  });

  it("queues the invoices published before the check (status null) in bounded batches", async () => {
    const id = (await publish(await invoice())).json().id;
    await takeJobs(id);
    await services.db.query("update invoices set validation_status = null where id = $1", [id]);
    expect((await get(id)).json().validation.status).toBe("not_checked");
    const queued = await queueValidationBacklog(services, { limit: 1 });
    expect(queued).toBe(1);
    expect((await get(id)).json().validation.status).toBe("pending");
    const jobs = await takeJobs(id);
    expect(jobs).toHaveLength(1);
    await runJob(jobs[0]!.data);
    expect((await get(id)).json().validation.status).toBe("passed");
    expect(await queueValidationBacklog(services, { limit: 10 })).toBe(0);
  });

  it("queues again an invoice still pending whose check gave up (its job failed its last retry), never one whose job lives", async () => {
    const id = (await publish(await invoice({ bar: "B2B" }))).json().id;
    // Its job waits: the backlog leaves it alone.
    expect(await queueValidationBacklog(services, { limit: 10 })).toBe(0);
    const [job] = await takeJobs(id);
    // Taken (active): still alone.
    expect(await queueValidationBacklog(services, { limit: 10 })).toBe(0);
    // The validator was down through every retry: pg-boss marks the job failed, the invoice stays pending.
    await services.db.query(
      `update "${services.queue.schema}".job set state = 'failed', completed_on = now() where id = $1`,
      [job!.id],
    );
    expect((await get(id)).json().validation.status).toBe("pending");
    expect(await queueValidationBacklog(services, { limit: 10 })).toBe(1);
    expect((await get(id)).json().validation.status).toBe("pending");
    const jobs = await takeJobs(id);
    expect(jobs).toHaveLength(1);
    await runJob(jobs[0]!.data);
    expect((await get(id)).json().validation.status).toBe("passed");
    expect(await queueValidationBacklog(services, { limit: 10 })).toBe(0);
  });

  it("holds a worker's check while a publication burst queues checks, and runs it once the burst is over", async () => {
    const id = (await publish(await invoice({ bar: "B2B" }))).json().id;
    const [job] = await takeJobs(id);
    // A batch of the CLI import: its checks queued in one statement, just now.
    const burst = Array.from({ length: 30 }, () => ({ tenantId: other.id, invoiceId: randomUUID() }));
    await services.queue.sendMany(validateInvoiceJob, burst);
    expect(await services.queue.queuedSince(validateInvoiceJob, 2)).toBeGreaterThanOrEqual(30);
    const jobTable = `"${services.queue.schema}".job`;
    let ms = 0;
    const looks: string[] = [];
    const handler = validateInvoiceWorkerHandler(
      { ...services, validator: fake.validator },
      {
        now: () => ms,
        // While the check waits, the invoice stays pending (held from transmission); then time passes:
        // the burst's jobs are now 10 s old, publication has moved on.
        sleep: async (wait) => {
          looks.push((await get(id)).json().validation.status);
          await services.db.query(
            `update ${jobTable} set created_on = created_on - interval '10 seconds',
                    start_after = start_after - interval '10 seconds'
              where name = $1 and state = 'created'`,
            [validateInvoiceJob.name],
          );
          ms += wait;
        },
      },
    );
    await handler(validateInvoiceJob.parse(job!.data), {
      jobId: job!.id,
      retryCount: 0,
      retryLimit: validateInvoiceJob.retryLimit,
      lastAttempt: false,
    });
    expect(looks).toEqual(["pending"]);
    expect((await get(id)).json().validation.status).toBe("passed");
    expect(await services.queue.queuedSince(validateInvoiceJob, 2)).toBe(0);
    await services.db.query(`delete from ${jobTable} where name = $1 and data->>'tenantId' = $2`, [
      validateInvoiceJob.name,
      other.id,
    ]);
  });

  it("reads processingRule from the CLI manifest, rejects a value outside the enum, and sets the default by CLI", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "route-manifest-"));
    try {
      writeFileSync(path.join(dir, "a.pdf"), await invoice());
      writeFileSync(path.join(dir, "b.pdf"), await invoice());
      writeFileSync(
        path.join(dir, "manifest.csv"),
        "file,customerNumber,processingRule\r\na.pdf,C-1,OutOfScope\r\nb.pdf,C-1,b2c\r\n",
      );
      const lines: string[] = [];
      const io = {
        out: (t: string) => lines.push(t),
        err: (t: string) => lines.push(t),
        cwd: dir,
        isTTY: false,
      };
      const code = await invoicesCommand(
        ["import", "--tenant", "route", "--manifest", "manifest.csv", "--report", "report.csv"],
        io,
        services,
      );
      expect(code).toBe(1); // b.pdf is rejected
      const report = readFileSync(path.join(dir, "report.csv"), "utf8");
      expect(report).toMatch(/b\.pdf,rejected,,invalid_metadata,"?processingRule ""?b2c/);
      const number = /a\.pdf,published,([^,]+),/.exec(report)![1]!;
      const [row] = await services.db.query<{ rule: string; source: string }>(
        "select processing_rule as rule, processing_rule_source as source from invoices where tenant_id = $1 and invoice_number = $2",
        [tenant.id, number],
      );
      expect(row).toEqual({ rule: "OutOfScope", source: "metadata" });

      expect(await tenantCommand(["route", "route", "B2BInt"], io, services)).toBe(0);
      expect((await findTenantBySlug(services.db, "route"))!.defaultProcessingRule).toBe("B2BInt");
      await expect(tenantCommand(["route", "route", "nope"], io, services)).rejects.toMatchObject({
        code: "invalid_processing_rule",
      });
      expect(await tenantCommand(["route", "route", "B2C"], io, services)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never checks nor shows another tenant's invoice", async () => {
    const id = (await publish(await invoice())).json().id;
    const [job] = await takeJobs(id);
    const before = fake.state.calls;
    await runJob({ tenantId: other.id, invoiceId: job!.data.invoiceId });
    expect(fake.state.calls).toBe(before);
    expect((await get(id)).json().validation.status).toBe("pending");
  });
});
