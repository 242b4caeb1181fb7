// One pool for the file (threads cost ~1 s to load a profile's stylesheets): it validates off the event
// loop, survives a task past its time budget and a thread that dies, and takes owners in turns.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { buildCiiXml } from "../build-cii-xml.js";
import { RULES_VERSION } from "./rule-sets.js";
import { NotAnInvoiceError } from "./validate-invoice.js";
import { createValidatorPool } from "./validator-pool.js";

const invoice = new TextEncoder().encode(
  buildCiiXml({
    invoiceNumber: "P-1",
    typeCode: "380",
    issueDate: "2026-11-05",
    dueDate: "2026-12-05",
    currency: "EUR",
    seller: {
      name: "Acme Location SAS",
      siren: "443061841",
      vatId: "FR44443061841",
      address: { line1: "1 rue de la Paix", postcode: "75002", city: "Paris", countryCode: "FR" },
    },
    buyer: {
      name: "Boulangerie Martin",
      siren: "552081317",
      address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
    },
    lines: [{ description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
  }),
);

describe("validator pool", () => {
  // The default budget (30 s) for the files, so a loaded machine does not fail them; the hostile task gets 1 s.
  const pool = createValidatorPool({ threads: 1 });
  afterAll(() => pool.close());

  it("validates in a worker thread while the event loop keeps ticking", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const report = await pool.validate(invoice, { owner: "tenant-a" });
      expect(report).toEqual({
        profile: "EN16931",
        rulesVersion: RULES_VERSION,
        status: "passed",
        findings: [],
      });
    } finally {
      clearInterval(timer);
    }
    // Loading and running the rules takes over a second: an event loop running them would not tick.
    expect(ticks).toBeGreaterThan(10);
  });

  it("judges with the BR-FR variant a call asks for (the pool's default: FATAL)", async () => {
    // The seller's SIREN (BT-30) one digit short: BR-FR-10, fatal in the FATAL variant only.
    const shortSiren = new TextEncoder().encode(
      new TextDecoder().decode(invoice).replace(">443061841</ram:ID>", ">44306184</ram:ID>"),
    );
    const flags = (report: { findings: { rule: string; flag: string }[] }) =>
      report.findings.filter((f) => f.rule === "BR-FR-10").map((f) => f.flag);
    const fatal = await pool.validate(shortSiren, { owner: "tenant-a" });
    expect(fatal.status).toBe("failed");
    expect(flags(fatal)).toContain("fatal");
    const warning = await pool.validate(shortSiren, { owner: "tenant-a", brFr: "warning" });
    expect(flags(warning).length).toBeGreaterThan(0);
    expect(flags(warning).every((flag) => flag === "warning")).toBe(true);
    expect(warning.status).toBe("warnings");
    // The next call without a choice is judged by the default again.
    expect(flags(await pool.validate(shortSiren, { owner: "tenant-a" }))).toContain("fatal");
  });

  it("refuses a file that is not an invoice with NotAnInvoiceError, across the thread", async () => {
    await expect(pool.validate(new TextEncoder().encode("hello"), { owner: "tenant-a" })).rejects.toThrow(
      NotAnInvoiceError,
    );
  });

  it("kills a task past its time budget, then a dead thread, and validates the next file", async () => {
    expect(await pool.spin(60_000, { timeoutMs: 1_000 })).toBe("killed");
    expect(await pool.crash()).toBe("crashed");
    const report = await pool.validate(invoice, { owner: "tenant-b" });
    expect(report.status).toBe("passed");
  });

  // Validation yields to publication (docs/compliance.md "Performance"): its threads run at nice 19, and
  // only they — on Linux a nice value is a thread's, and the process keeps publishing at its own priority.
  it.runIf(process.platform === "linux")(
    "runs its threads at the lowest CPU priority, not the thread that called it",
    async () => {
      const thread = await pool.thread();
      expect(thread).toMatchObject({ nice: 19 });
      // SCHED_IDLE (5) where util-linux's chrt is installed (validator-worker.mjs), else the normal policy.
      expect(thread!.policy).toBe(existsSync("/usr/bin/chrt") || existsSync("/bin/chrt") ? 5 : 0);
      expect(existsSync(`/proc/self/task/${thread!.threadId}`)).toBe(true);
      const own = readFileSync("/proc/thread-self/stat", "utf8");
      expect(Number(own.slice(own.lastIndexOf(")") + 2).split(" ")[16])).toBeLessThan(19);
    },
  );

  it.runIf(process.platform === "linux")(
    "runs its threads at the normal priority only when asked (bench:validate's comparison)",
    async () => {
      const normal = createValidatorPool({ threads: 1, priority: "normal" });
      try {
        expect(await normal.thread()).toMatchObject({ nice: 0, policy: 0 });
      } finally {
        await normal.close();
      }
    },
  );

  // A low-priority thread may wait for a core much longer than it computes: that wait is not the file's cost.
  it.runIf(process.platform === "linux")(
    "counts the time budget in the thread's CPU time, not the time it waits",
    async () => {
      expect(await pool.spin(1_500, { timeoutMs: 500, idle: true })).toBe("done");
      expect(await pool.spin(60_000, { timeoutMs: 500 })).toBe("killed");
    },
  );

  it("answers busy rather than queueing without bound", async () => {
    const small = createValidatorPool({ threads: 1, maxQueue: 1, taskTimeoutMs: 2_000 });
    try {
      const running = small.spin(300);
      const queued = small.spin(10);
      await expect(small.spin(10)).rejects.toMatchObject({ code: "parser_busy" });
      await Promise.all([running, queued]);
    } finally {
      await small.close();
    }
  });

  // A worker runs for days (docs/compliance.md "Publication while validating"): once warm, its threads stay,
  // loaded, past the idle timeout that ends a lazy pool's threads, so a publication burst pays no start.
  it("keeps a warm pool's threads alive and loaded past the idle timeout that ends a lazy pool's", async () => {
    const idle = () => new Promise((resolve) => setTimeout(resolve, 1_500));
    const lazy = createValidatorPool({ threads: 1, idleTimeoutMs: 100 });
    try {
      const first = await lazy.thread();
      expect(first!.warm).toBe(false);
      await idle();
      expect((await lazy.thread())!.threadId).not.toBe(first!.threadId);
    } finally {
      await lazy.close();
    }

    // Normal priority: at SCHED_IDLE the loading (~3.4 s of CPU per thread) waits for idle cores, which a
    // machine running the whole suite may not have for a while; the priority has its own tests above.
    const warm = createValidatorPool({ threads: 2, idleTimeoutMs: 100, priority: "normal" });
    try {
      expect(await warm.warm()).toEqual({ threads: 2, failed: [] });
      const before = await Promise.all([warm.thread(), warm.thread()]);
      expect(before.every((t) => t!.warm)).toBe(true);
      expect(new Set(before.map((t) => t!.threadId)).size).toBe(2);
      await idle();
      const after = await Promise.all([warm.thread(), warm.thread()]);
      expect(new Set(after.map((t) => t!.threadId))).toEqual(new Set(before.map((t) => t!.threadId)));
      expect(after.every((t) => t!.warm)).toBe(true);
      // The loading happened before: a file costs only its rules, and is judged as by a lazy pool.
      expect((await warm.validate(invoice, { owner: "tenant-a" })).status).toBe("passed");
      // A thread that dies is replaced by a thread that loads the stylesheets too.
      expect(await warm.crash()).toBe("crashed");
      const replaced = await Promise.all([warm.thread(), warm.thread()]);
      expect(replaced.every((t) => t!.warm)).toBe(true);
    } finally {
      await warm.close();
    }
  }, 120_000);

  it("warms a lazy pool already running without losing the file it is checking", async () => {
    const pool = createValidatorPool({ threads: 1, priority: "normal" });
    try {
      const checking = pool.validate(invoice, { owner: "tenant-a" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const warming = pool.warm();
      expect((await checking).status).toBe("passed");
      expect(await warming).toEqual({ threads: 1, failed: [] });
      expect((await pool.thread())!.warm).toBe(true);
    } finally {
      await pool.close();
    }
  }, 120_000);
});
