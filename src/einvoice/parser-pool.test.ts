import { afterAll, describe, expect, it } from "vitest";
import { validFacturX, xmlElementBomb } from "./__fixtures__/hostile-pdfs.js";
import { createParserPool } from "./parser-pool.js";

const errorCodes = (doc: { findings: { severity: string; code: string }[] }) =>
  doc.findings.filter((f) => f.severity === "error").map((f) => f.code);

/** Longest gap between ticks of a 10 ms timer while `work` runs: how long the event loop was blocked. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  try {
    const result = await work();
    return { result, stallMs };
  } finally {
    clearInterval(timer);
  }
}

describe("parser pool", () => {
  const pool = createParserPool({ threads: 1, taskTimeoutMs: 1_500, maxHeapMb: 64 });
  afterAll(() => pool.close());

  it("reads a Factur-X in a worker thread, the same as in-process", async () => {
    const doc = await pool.read(await validFacturX());
    expect(errorCodes(doc)).toEqual([]);
    expect(doc.facts?.invoiceNumber).toBe("HOSTILE-1");
    expect(doc.xml).toBeInstanceOf(Uint8Array);
  });

  it("keeps the event loop free while a worker is busy, and kills a task past its time budget", async () => {
    const { result, stallMs } = await longestStall(() => pool.spin(5_000));
    expect(result).toBe("killed");
    // Loose: an in-process 1.5 s task would stall the loop for all of it.
    expect(stallMs).toBeLessThan(500);
    // The pool replaced the worker: the next file is read.
    expect(errorCodes(await pool.read(await validFacturX()))).toEqual([]);
  });

  it("refuses a file whose reading exceeds a worker's heap budget, then recovers", async () => {
    const tiny = createParserPool({ threads: 1, maxHeapMb: 16 });
    try {
      // 200,000 elements are allowed by the reader: their tree does not fit in 16 MB of heap.
      const doc = await tiny.read(await xmlElementBomb(190_000));
      expect(errorCodes(doc)).toEqual(["pdf_too_complex"]);
      expect(doc.findings[0]!.message).toMatch(/interrompue : plus de 16 Mo de mémoire/);
      expect(errorCodes(await tiny.read(await validFacturX()))).toEqual([]);
    } finally {
      await tiny.close();
    }
  });

  it("answers busy rather than queueing without bound", async () => {
    const small = createParserPool({ threads: 1, maxQueue: 1, taskTimeoutMs: 2_000 });
    try {
      const running = small.spin(300);
      const queued = small.spin(10);
      await expect(small.spin(10)).rejects.toMatchObject({ code: "parser_busy" });
      await Promise.all([running, queued]);
    } finally {
      await small.close();
    }
  });

  it("takes owners in turns: one owner's backlog does not sit in front of another's file", async () => {
    const fair = createParserPool({ threads: 1, taskTimeoutMs: 5_000 });
    try {
      await fair.spin(1, { owner: "warm-up" });
      const finished: string[] = [];
      const track = (name: string, owner: string, ms: number) =>
        fair.spin(ms, { owner }).then(() => finished.push(name));
      const burst = Array.from({ length: 6 }, (_, i) => track(`A${i + 1}`, "tenant-a", 200));
      const other = track("B1", "tenant-b", 1);
      await Promise.all([...burst, other]);
      // A1 was being read and A2 was first in line; then it is B's turn. First come, first served would
      // have finished B last (7th).
      expect(finished.indexOf("B1")).toBeLessThanOrEqual(2);
    } finally {
      await fair.close();
    }
  });

  it("refuses an owner past its share of the queue while other owners still get in", async () => {
    const shared = createParserPool({ threads: 1, maxQueue: 10, maxQueuePerOwner: 2, taskTimeoutMs: 5_000 });
    try {
      const accepted = [
        shared.spin(300, { owner: "a" }),
        shared.spin(10, { owner: "a" }),
        shared.spin(10, { owner: "a" }),
      ];
      await expect(shared.spin(10, { owner: "a" })).rejects.toMatchObject({ code: "parser_busy" });
      const other = shared.spin(10, { owner: "b" });
      await Promise.all([...accepted, other]);
    } finally {
      await shared.close();
    }
  });
});
