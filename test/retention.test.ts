import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import { holdBlobsForPublication } from "../src/domain/retention/hold-blobs.js";
import { REMOVED_STATUS } from "../src/domain/retention/retention-rules.js";
import { type RetentionReport, runRetention } from "../src/domain/retention/run-retention.js";
import { addMonths } from "../src/domain/shared/dates.js";
import { RETENTION_CRON, RETENTION_TIMEZONE, retentionRunHandler } from "../src/jobs/retention.job.js";
import type { BlobStore } from "../src/storage/blob-store.js";
import { plainPdf, retentionFixture } from "./retention-fixtures.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);
const shift = (date: Date, days: number) => new Date(date.getTime() + days * DAY);

describe.each(ENGINES)("retention on %s", (engine) => {
  let sink: SmtpSink;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let fx: ReturnType<typeof retentionFixture>;

  beforeAll(async () => {
    sink = await startSmtpSink();
    services = await openTestServices(engine, {
      smtp: sink,
    });
    fx = retentionFixture(services);
    await startWorker(services, { mailConcurrency: 2 });
  });
  afterAll(async () => {
    await services?.dispose();
    await sink?.close();
  });

  const deps = () => ({ db: services.db, blobs: services.blobs, queue: services.queue });
  const run = (now: Date, extra: { tenantId?: string; dryRun?: boolean; batchSize?: number } = {}) =>
    runRetention(deps(), { now, ...extra });

  async function reminders(tenantId: string) {
    return services.db.query<{
      accountId: string;
      language: string;
      days: number;
      count: number;
      earliest: string;
    }>(
      `select account_id as "accountId", language, (params->>'days')::int as days, (params->>'count')::int as count,
              params->>'earliest' as earliest
         from mails where tenant_id = $1 and kind = 'retention-reminder' order by queued_at, id`,
      [tenantId],
    );
  }

  async function invoiceState(id: string) {
    const [row] = await services.db.query<{
      removedAt: Date | null;
      blobDeletedAt: Date | null;
      reminderStep: number;
      events: number;
      audits: number;
    }>(
      `select removed_at as "removedAt", blob_deleted_at as "blobDeletedAt", reminder_step as "reminderStep",
              (select count(*)::int from invoice_events e where e.invoice_id = i.id and e.code = $2) as events,
              (select count(*)::int from audit_entries a where a.target_id = i.id::text and a.action = 'invoice.removed') as audits
         from invoices i where id = $1`,
      [id, REMOVED_STATUS],
    );
    return row!;
  }

  it("reminds each activated account once at 60 days and once at 15, in its language, opted-out included, pending only once activated", async () => {
    const t = await fx.tenant(`rem${engine.slice(0, 2)}`);
    const published = at("2024-01-10T09:00:00Z");
    const until = addMonths(published, 24);
    const fr = await fx.customer(t, "C-FR", "fr@example.com");
    const en = await fx.customer(t, "C-EN", "en@example.com", { language: "en", notify: false });
    const pending = await fx.customer(t, "C-PE", "pending@example.com", { status: "pending" });
    const locked = await fx.customer(t, "C-LO", "locked@example.com", { status: "locked" });
    const a1 = await fx.publish(t, fr.customerNumber, published);
    const a2 = await fx.publish(t, fr.customerNumber, shift(published, 3));
    const taken = await fx.publish(t, fr.customerNumber, published);
    await services.db.query("update invoices set first_downloaded_at = $2 where id = $1", [
      taken.id,
      published,
    ]);
    await fx.publish(t, en.customerNumber, published);
    const p1 = await fx.publish(t, pending.customerNumber, published);
    await fx.publish(t, locked.customerNumber, published);

    // 61 days before: nothing yet.
    let report = await run(shift(until, -61), { tenantId: t.id });
    expect(report.reminders).toEqual({ 60: { mails: 0, invoices: 0 }, 15: { mails: 0, invoices: 0 } });

    // 50 days before: one 60-day digest per activated account; the downloaded invoice is not counted.
    report = await run(shift(until, -50), { tenantId: t.id });
    expect(report.reminders[60]).toEqual({ mails: 3, invoices: 4 });
    expect(report.reminders[15]).toEqual({ mails: 0, invoices: 0 });
    let mails = await reminders(t.id);
    expect(mails.map((m) => [m.accountId, m.language, m.days, m.count]).sort()).toEqual(
      [
        [fr.accountId, "fr", 60, 2],
        [en.accountId, "en", 60, 1],
        [locked.accountId, "fr", 60, 1],
      ].sort(),
    );
    expect(new Date(mails.find((m) => m.accountId === fr.accountId)!.earliest)).toEqual(until);
    expect((await invoiceState(a1.id)).reminderStep).toBe(1);
    expect((await invoiceState(p1.id)).reminderStep).toBe(0);

    // The same day again, and ten days later: nothing new.
    for (const now of [shift(until, -50), shift(until, -40)]) {
      report = await run(now, { tenantId: t.id });
      expect(report.reminders[60].mails + report.reminders[15].mails).toBe(0);
    }

    // 14 days before: the 15-day reminder, for the invoices now within 15 days only (a2 leaves 3 days later).
    report = await run(shift(until, -14), { tenantId: t.id });
    expect(report.reminders[15]).toEqual({ mails: 3, invoices: 3 });
    expect((await invoiceState(a1.id)).reminderStep).toBe(2);
    expect((await invoiceState(a2.id)).reminderStep).toBe(1);
    report = await run(shift(until, -11), { tenantId: t.id });
    expect(report.reminders[15]).toEqual({ mails: 1, invoices: 1 });
    report = await run(shift(until, -10), { tenantId: t.id });
    expect(report.reminders[15]).toEqual({ mails: 0, invoices: 0 });

    // The pending account activates: its invoice, now within 15 days, gets the last reminder only.
    await services.db.query("update accounts set status = 'active', password_hash = 'x' where id = $1", [
      pending.accountId,
    ]);
    report = await run(shift(until, -9), { tenantId: t.id });
    expect(report.reminders).toEqual({ 60: { mails: 0, invoices: 0 }, 15: { mails: 1, invoices: 1 } });

    mails = await reminders(t.id);
    const perAccount = (id: string) => mails.filter((m) => m.accountId === id).map((m) => m.days);
    expect(perAccount(fr.accountId)).toEqual([60, 15, 15]);
    expect(perAccount(en.accountId)).toEqual([60, 15]);
    expect(perAccount(locked.accountId)).toEqual([60, 15]);
    expect(perAccount(pending.accountId)).toEqual([15]);

    // Each queued reminder is in the audit trail.
    const [audited] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from audit_entries where tenant_id = $1 and action = 'retention.reminder_queued'",
      [t.id],
    );
    expect(audited!.n).toBe(mails.length);

    // The mails as received: count, earliest date, the pre-filtered list, the account's language.
    const received = await waitFor(
      async () => {
        const got = sink.received.filter(
          (m) =>
            m.headers.get("x-efacture-mail-kind") === "retention-reminder" &&
            JSON.stringify(m.to).includes(`@example.com`) &&
            m.subject?.includes(t.displayName),
        );
        return got.length === mails.length ? got : undefined;
      },
      20_000,
      "reminder mails",
    );
    const to = (address: string) => received.filter((m) => JSON.stringify(m.to).includes(address));
    const link = `http://${t.slug}.localhost:3000/factures?retrait=60&nouvelles=1`;
    const [fr60] = to("fr@example.com").filter((m) => !m.subject!.startsWith("Dernier"));
    expect(fr60!.subject).toBe(
      `2 factures ${t.displayName} quitteront le portail à partir du 10 janvier 2026`,
    );
    expect(fr60!.text).toContain(
      "2 factures que vous n’avez pas encore téléchargées quitteront votre portail E-FACTURE d’ici 60 jours, la première le 10 janvier 2026.",
    );
    expect(fr60!.text).toContain(link);
    expect(fr60!.html).toContain(`href="${link.replace("&", "&amp;")}"`);
    const fr15 = to("fr@example.com").filter((m) => m.subject!.startsWith("Dernier"));
    expect(fr15.map((m) => m.subject).sort()).toEqual(
      [
        `Dernier rappel\u00a0: une facture ${t.displayName} quitte le portail le 10 janvier 2026`,
        `Dernier rappel\u00a0: une facture ${t.displayName} quitte le portail le 13 janvier 2026`,
      ].sort(),
    );
    const [en60] = to("en@example.com").filter((m) => !m.subject!.startsWith("Last"));
    expect(en60!.subject).toBe(`An invoice from ${t.displayName} will leave the portal from 10 January 2026`);
    expect(en60!.text).toContain(
      "An invoice you have not downloaded yet will leave your E-FACTURE portal on 10 January 2026.",
    );
    expect(en60!.text).toContain("even if you turned off new-invoice notices");
    expect(en60!.text).toContain(link);
    expect(to("pending@example.com").map((m) => m.subject)).toEqual([
      `Dernier rappel\u00a0: une facture ${t.displayName} quitte le portail le 10 janvier 2026`,
    ]);
  });

  it("gives an invoice first seen inside 15 days the 15-day reminder only", async () => {
    const t = await fx.tenant(`late${engine.slice(0, 2)}`, 1);
    const c = await fx.customer(t, "C-1", "late@example.com");
    const invoice = await fx.publish(t, c.customerNumber, at("2025-03-01T08:00:00Z"));
    expect(invoice.availableUntil).toEqual(at("2025-04-01T08:00:00Z"));
    let report = await run(at("2025-03-25T00:00:00Z"), { tenantId: t.id });
    expect(report.reminders).toEqual({ 60: { mails: 0, invoices: 0 }, 15: { mails: 1, invoices: 1 } });
    report = await run(at("2025-03-30T00:00:00Z"), { tenantId: t.id });
    expect(report.reminders).toEqual({ 60: { mails: 0, invoices: 0 }, 15: { mails: 0, invoices: 0 } });
    expect((await reminders(t.id)).map((m) => m.days)).toEqual([15]);
  });

  it("removes an invoice on its date, not a millisecond before, once, with its lifecycle event and audit entry", async () => {
    const t = await fx.tenant(`day${engine.slice(0, 2)}`);
    const c = await fx.customer(t, "C-1", "day@example.com");
    const invoice = await fx.publish(t, c.customerNumber, at("2024-06-15T13:30:00Z"));
    const late = await fx.publish(t, c.customerNumber, at("2024-06-10T08:00:00Z"));
    const until = invoice.availableUntil;
    expect(until).toEqual(at("2026-06-15T13:30:00Z"));
    expect(await services.blobs.has(invoice.sha256)).toBe(true);

    // `late` was due five days earlier: a run that comes after the date removes it, at the run's time.
    let report = await run(new Date(until.getTime() - 1), { tenantId: t.id });
    expect(report.removed).toBe(1);
    expect((await invoiceState(late.id)).removedAt).toEqual(new Date(until.getTime() - 1));
    expect((await invoiceState(invoice.id)).removedAt).toBeNull();
    expect(await services.blobs.has(invoice.sha256)).toBe(true);

    report = await run(until, { tenantId: t.id });
    expect(report.removed).toBe(1);
    expect(report.blobs).toEqual({ deleted: 1, alreadyGone: 0, keptShared: 0 });
    const state = await invoiceState(invoice.id);
    expect(state).toMatchObject({ removedAt: until, blobDeletedAt: until, events: 1, audits: 1 });
    expect(await services.blobs.has(invoice.sha256)).toBe(false);

    const [event] = await services.db.query<{ actor: string; at: Date; details: Record<string, unknown> }>(
      "select actor, at, details from invoice_events where invoice_id = $1 and code = $2",
      [invoice.id, REMOVED_STATUS],
    );
    expect(event).toEqual({ actor: "system", at: until, details: { availableUntil: until.toISOString() } });
    const [audit] = await services.db.query<{
      actorType: string;
      details: Record<string, unknown>;
      at: Date;
    }>(
      `select actor_type as "actorType", details, at from audit_entries where target_id = $1 and action = 'invoice.removed'`,
      [invoice.id],
    );
    expect(audit).toEqual({
      actorType: "system",
      at: until,
      details: {
        invoiceNumber: invoice.invoiceNumber,
        sha256: invoice.sha256,
        availableUntil: until.toISOString(),
        status: REMOVED_STATUS,
      },
    });

    // The next days change nothing.
    report = await run(shift(until, 1), { tenantId: t.id });
    expect(report).toMatchObject({ removed: 0, blobs: { deleted: 0, alreadyGone: 0, keptShared: 0 } });
    expect(await invoiceState(invoice.id)).toMatchObject({ removedAt: until, events: 1, audits: 1 });
    // The row stays as a tombstone.
    const [tomb] = await services.db.query<{ invoiceNumber: string; sha256: string; grandTotal: string }>(
      `select invoice_number as "invoiceNumber", sha256, grand_total as "grandTotal" from invoices where id = $1`,
      [invoice.id],
    );
    expect(tomb).toEqual({
      invoiceNumber: invoice.invoiceNumber,
      sha256: invoice.sha256,
      grandTotal: "120.00",
    });
  });

  it("counts months on the calendar: 29 February 2024 + 24 months, 31 August + 6 months", async () => {
    const t24 = await fx.tenant(`leap${engine.slice(0, 2)}`, 24);
    const t6 = await fx.tenant(`mend${engine.slice(0, 2)}`, 6);
    const c24 = await fx.customer(t24, "C-1", "leap@example.com");
    const c6 = await fx.customer(t6, "C-1", "mend@example.com");
    const leap = await fx.publish(t24, c24.customerNumber, at("2024-02-29T10:00:00Z"));
    const monthEnd = await fx.publish(t6, c6.customerNumber, at("2026-08-31T22:30:00Z"));
    expect(leap.availableUntil).toEqual(at("2026-02-28T10:00:00Z"));
    expect(monthEnd.availableUntil).toEqual(at("2027-02-28T22:30:00Z"));

    expect((await run(at("2026-02-28T09:59:59Z"), { tenantId: t24.id })).removed).toBe(0);
    expect((await run(at("2026-02-28T10:00:00Z"), { tenantId: t24.id })).removed).toBe(1);
    expect((await run(at("2027-02-28T22:29:59Z"), { tenantId: t6.id })).removed).toBe(0);
    expect((await run(at("2027-02-28T22:30:00Z"), { tenantId: t6.id })).removed).toBe(1);
    expect((await invoiceState(leap.id)).removedAt).toEqual(at("2026-02-28T10:00:00Z"));
  });

  it("keeps the date promised at publication when the tenant's retention changes later", async () => {
    const t = await fx.tenant(`chg${engine.slice(0, 2)}`, 24);
    const c = await fx.customer(t, "C-1", "chg@example.com");
    const before = await fx.publish(t, c.customerNumber, at("2024-01-15T10:00:00Z"));
    // Shortened to 12 months: only invoices published from now on get 12 months.
    await services.db.query("update tenants set retention_months = 12 where id = $1", [t.id]);
    const tenant12 = { ...t, retentionMonths: 12 };
    const after = await fx.publish(tenant12, c.customerNumber, at("2024-02-01T10:00:00Z"));
    expect(before.availableUntil).toEqual(at("2026-01-15T10:00:00Z"));
    expect(after.availableUntil).toEqual(at("2025-02-01T10:00:00Z"));

    let report = await run(at("2025-06-01T00:00:00Z"), { tenantId: t.id });
    expect(report.removed).toBe(1);
    expect((await invoiceState(after.id)).removedAt).not.toBeNull();
    expect((await invoiceState(before.id)).removedAt).toBeNull();

    // Lengthened to 36 months: the earlier invoice still leaves on its promised date.
    await services.db.query("update tenants set retention_months = 36 where id = $1", [t.id]);
    report = await run(at("2026-01-15T09:59:00Z"), { tenantId: t.id });
    expect(report.removed).toBe(0);
    report = await run(at("2026-01-15T10:00:00Z"), { tenantId: t.id });
    expect(report.removed).toBe(1);
    const [row] = await services.db.query<{ availableUntil: Date }>(
      `select available_until as "availableUntil" from invoices where id = $1`,
      [before.id],
    );
    expect(row!.availableUntil).toEqual(at("2026-01-15T10:00:00Z"));
  });

  it("deletes shared bytes only with their last live holder, across tenants", async () => {
    const a = await fx.tenant(`sha${engine.slice(0, 2)}`);
    const b = await fx.tenant(`shb${engine.slice(0, 2)}`);
    const ca = await fx.customer(a, "C-1", "shared-a@example.com");
    const cb = await fx.customer(b, "C-1", "shared-b@example.com");
    const bytes = await plainPdf(`shared bytes ${engine}`);
    const x1 = await fx.publish(a, ca.customerNumber, at("2024-03-01T10:00:00Z"), { bytes });
    const x2 = await fx.publish(a, ca.customerNumber, at("2024-04-01T10:00:00Z"), { bytes });
    const x3 = await fx.publish(b, cb.customerNumber, at("2024-05-01T10:00:00Z"), { bytes });
    expect(new Set([x1.sha256, x2.sha256, x3.sha256]).size).toBe(1);
    const sha = x1.sha256;

    // Each run is limited to one tenant; the sharing is still checked across every tenant.
    let report = await run(x1.availableUntil, { tenantId: a.id });
    expect(report.removed).toBe(1);
    expect(report.blobs).toEqual({ deleted: 0, alreadyGone: 0, keptShared: 1 });
    expect(await services.blobs.has(sha)).toBe(true);
    // The row's duty is done even though the bytes stay for the others.
    expect((await invoiceState(x1.id)).blobDeletedAt).toEqual(x1.availableUntil);

    report = await run(x2.availableUntil, { tenantId: a.id });
    expect(report).toMatchObject({ removed: 1, blobs: { deleted: 0, keptShared: 1 } });
    expect(await services.blobs.has(sha)).toBe(true);

    report = await run(x3.availableUntil, { tenantId: b.id });
    expect(report).toMatchObject({ removed: 1, blobs: { deleted: 1, alreadyGone: 0, keptShared: 0 } });
    expect(await services.blobs.has(sha)).toBe(false);
    for (const id of [x1.id, x2.id, x3.id])
      expect(await invoiceState(id)).toMatchObject({ events: 1, audits: 1, blobDeletedAt: expect.any(Date) });
  });

  it("finishes an interrupted run: a failure after the commit, before the bytes are deleted", async () => {
    const t = await fx.tenant(`crash${engine.slice(0, 2)}`);
    const c = await fx.customer(t, "C-1", "crash@example.com");
    const due = [];
    for (let i = 0; i < 7; i++)
      due.push(await fx.publish(t, c.customerNumber, at(`2024-07-0${i + 1}T10:00:00Z`)));
    const live = await fx.publish(t, c.customerNumber, at("2024-09-01T10:00:00Z"));
    // A live invoice of another tenant with the same bytes as a due one: they must survive.
    const other = await fx.tenant(`crasho${engine.slice(0, 2)}`);
    const co = await fx.customer(other, "C-1", "crash-other@example.com");
    const sharedBytes = await services.blobs.read(due[0]!.sha256);
    await fx.publish(other, co.customerNumber, at("2024-10-01T10:00:00Z"), { bytes: sharedBytes! });

    const failing: BlobStore = {
      ...services.blobs,
      async delete() {
        throw new Error("disk unplugged");
      },
    };
    const now = at("2026-08-01T00:00:00Z");
    await expect(
      runRetention({ ...deps(), blobs: failing }, { now, tenantId: t.id, batchSize: 3 }),
    ).rejects.toThrow("disk unplugged");
    // The first batch was committed; every file is still there, waiting in the pending index.
    expect(await countRemoved(due.map((i) => i.id))).toBe(3);
    for (const i of due) expect(await services.blobs.has(i.sha256)).toBe(true);
    const [pending] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from invoices where tenant_id = $1 and removed_at is not null and blob_deleted_at is null",
      [t.id],
    );
    expect(pending!.n).toBe(3);

    const report = await run(now, { tenantId: t.id, batchSize: 3 });
    expect(report).toMatchObject({ removed: 4, blobs: { deleted: 6, alreadyGone: 0, keptShared: 1 } });
    for (const i of due) {
      expect(await invoiceState(i.id)).toMatchObject({ events: 1, audits: 1, blobDeletedAt: now });
      expect(await services.blobs.has(i.sha256)).toBe(i.sha256 === due[0]!.sha256);
    }
    expect((await invoiceState(live.id)).removedAt).toBeNull();
    expect(await services.blobs.has(live.sha256)).toBe(true);
    // A third run has nothing left.
    expect(await run(now, { tenantId: t.id })).toMatchObject({
      removed: 0,
      blobs: { deleted: 0, alreadyGone: 0, keptShared: 0 },
    });
  });

  async function countRemoved(ids: string[]): Promise<number> {
    const [row] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from invoices where id = any($1::uuid[]) and removed_at is not null",
      [ids],
    );
    return row!.n;
  }

  it("previews with --dry-run exactly what the run then does, changing nothing", async () => {
    const t = await fx.tenant(`dry${engine.slice(0, 2)}`);
    const c = await fx.customer(t, "C-1", "dry@example.com");
    const bytes = await plainPdf(`dry shared ${engine}`);
    await fx.publish(t, c.customerNumber, at("2024-01-01T10:00:00Z"), { bytes });
    await fx.publish(t, c.customerNumber, at("2024-01-02T10:00:00Z"), { bytes });
    await fx.publish(t, c.customerNumber, at("2024-01-03T10:00:00Z"));
    const kept = await fx.publish(t, c.customerNumber, at("2024-12-20T10:00:00Z"), {
      bytes: await plainPdf(`dry keep ${engine}`),
    });
    await fx.publish(t, c.customerNumber, at("2024-02-20T10:00:00Z"));
    const now = at("2026-01-10T00:00:00Z");
    const snapshot = async () =>
      services.db.query(
        "select id, removed_at, reminder_step, blob_deleted_at from invoices where tenant_id = $1 order by id",
        [t.id],
      );
    const before = await snapshot();
    const preview: RetentionReport = await run(now, { tenantId: t.id, dryRun: true });
    expect(await snapshot()).toEqual(before);
    expect(await reminders(t.id)).toEqual([]);
    const done = await run(now, { tenantId: t.id });
    expect({ ...preview, dryRun: false }).toEqual(done);
    expect(done).toMatchObject({
      removed: 3,
      blobs: { deleted: 2, keptShared: 0 },
      reminders: { 60: { mails: 1, invoices: 1 } },
    });
    expect((await invoiceState(kept.id)).removedAt).toBeNull();
  });

  it("never sends a reminder twice nor removes twice when two runs overlap", async () => {
    const t = await fx.tenant(`dup${engine.slice(0, 2)}`);
    const accounts = [];
    for (let i = 0; i < 6; i++) accounts.push(await fx.customer(t, `C-${i}`, `dup${i}@example.com`));
    for (const [i, c] of accounts.entries()) {
      await fx.publish(t, c.customerNumber, at("2024-05-01T10:00:00Z"));
      await fx.publish(t, c.customerNumber, at(`2024-06-0${i + 1}T10:00:00Z`));
    }
    const now = at("2026-05-01T10:00:00Z");
    const [r1, r2] = await Promise.all([
      run(now, { tenantId: t.id, batchSize: 2 }),
      run(now, { tenantId: t.id, batchSize: 2 }),
    ]);
    expect(r1.removed + r2.removed).toBe(6);
    expect(r1.reminders[60].mails + r2.reminders[60].mails).toBe(6);
    expect((await reminders(t.id)).length).toBe(6);
    const [counts] = await services.db.query<{ events: number; audits: number }>(
      `select (select count(*)::int from invoice_events where tenant_id = $1 and code = $2) as events,
              (select count(*)::int from audit_entries where tenant_id = $1 and action = 'invoice.removed') as audits`,
      [t.id, REMOVED_STATUS],
    );
    expect(counts).toEqual({ events: 6, audits: 6 });
  });

  it("puts back bytes a retention run deleted while the same bytes were being published", async () => {
    const bytes = await plainPdf(`republished ${engine}`);
    const { sha256 } = await services.blobs.put(bytes);
    await services.blobs.delete(sha256);
    await services.db.transaction((tx) => holdBlobsForPublication(tx, services.blobs, [{ sha256, bytes }]));
    expect(await services.blobs.has(sha256)).toBe(true);
  });

  it("runs as a daily job at 03:00 Paris time, twice without harm", async () => {
    const schedules = await services.queue.boss.getSchedules();
    expect(schedules.find((s) => s.name === "retention-run")).toMatchObject({
      cron: RETENTION_CRON,
      timezone: RETENTION_TIMEZONE,
    });
    expect(RETENTION_CRON).toBe("0 3 * * *");
    const t = await fx.tenant(`job${engine.slice(0, 2)}`);
    const c = await fx.customer(t, "C-1", "job@example.com");
    const invoice = await fx.publish(t, c.customerNumber, at("2024-02-10T10:00:00Z"));
    const handler = retentionRunHandler(services, () => at("2026-02-11T02:00:00Z"));
    const context = { jobId: "x", retryCount: 0, retryLimit: 3, lastAttempt: false };
    await handler({}, context);
    await handler({}, context);
    expect(await invoiceState(invoice.id)).toMatchObject({ events: 1, audits: 1 });
    expect(await services.blobs.has(invoice.sha256)).toBe(false);
  });
});

describe.each(ENGINES.filter((e) => e === "postgres"))(
  "blob deletion against a concurrent publication (%s)",
  (engine) => {
    it("waits for a publication holding the same bytes and keeps them", async () => {
      const services = await openTestServices(engine);
      try {
        const fx = retentionFixture(services);
        const t = await fx.tenant("race");
        const c = await fx.customer(t, "C-1", "race@example.com");
        const bytes = await plainPdf("race bytes");
        const old = await fx.publish(t, c.customerNumber, at("2024-01-01T10:00:00Z"), { bytes });
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let locked!: () => void;
        const lockTaken = new Promise<void>((resolve) => {
          locked = resolve;
        });
        // A publication of the same bytes under another number, paused inside its transaction.
        const publication = services.db.transaction(async (tx) => {
          await holdBlobsForPublication(tx, services.blobs, [{ sha256: old.sha256, bytes }]);
          locked();
          await held;
          await tx.query(
            `insert into invoices (tenant_id, customer_id, account_id, invoice_number, type_code, issue_date, currency, grand_total,
                                 sha256, size_bytes, published_at, available_until)
           select tenant_id, customer_id, account_id, 'F-RACE', type_code, issue_date, currency, grand_total, sha256, size_bytes,
                  now(), now() + interval '2 years' from invoices where id = $1`,
            [old.id],
          );
        });
        await lockTaken;
        const retention = runRetention(
          { db: services.db, blobs: services.blobs, queue: services.queue },
          { now: old.availableUntil },
        );
        await new Promise((r) => setTimeout(r, 300));
        release();
        await publication;
        const report = await retention;
        expect(report).toMatchObject({ removed: 1, blobs: { deleted: 0, keptShared: 1 } });
        expect(await services.blobs.has(old.sha256)).toBe(true);
      } finally {
        await services.dispose();
      }
    });
  },
);
