import { describe, expect, it } from "vitest";
import { createPublicationBurstGate } from "./publication-burst.js";

/** A fake clock that only moves when the gate sleeps. */
function clock() {
  const state = { ms: 0, sleeps: [] as number[] };
  return {
    state,
    now: () => state.ms,
    sleep: async (ms: number) => {
      state.sleeps.push(ms);
      state.ms += ms;
    },
  };
}

describe("createPublicationBurstGate", () => {
  it("lets a check run at once when publication queues checks slower than a burst", async () => {
    const c = clock();
    const windows: number[] = [];
    const gate = createPublicationBurstGate({
      recentChecks: async (seconds) => {
        windows.push(seconds);
        return 19; // 9.5 per second over 2 s
      },
      now: c.now,
      sleep: c.sleep,
    });
    expect(await gate.wait()).toBe(0);
    expect(c.state.sleeps).toEqual([]);
    expect(windows).toEqual([2]);
  });

  it("waits while a burst goes on and lets the check run once it has ended", async () => {
    const c = clock();
    const counts = [500, 480, 20, 0];
    const gate = createPublicationBurstGate({
      recentChecks: async () => counts.shift() ?? 0,
      now: c.now,
      sleep: c.sleep,
    });
    expect(await gate.wait()).toBe(3_000);
    expect(c.state.sleeps).toEqual([1_000, 1_000, 1_000]);
    expect(counts).toEqual([]);
  });

  it("runs the check after maxWaitMs of a burst that never ends, so a long publication still sees checks", async () => {
    const c = clock();
    const gate = createPublicationBurstGate({
      recentChecks: async () => 1_000,
      maxWaitMs: 2_500,
      now: c.now,
      sleep: c.sleep,
    });
    expect(await gate.wait()).toBe(2_500);
    expect(c.state.sleeps).toEqual([1_000, 1_000, 500]);
  });

  it("shares one look at the queue between the checks waiting together", async () => {
    const c = clock();
    let looks = 0;
    const gate = createPublicationBurstGate({
      recentChecks: async () => {
        looks++;
        return 0;
      },
      now: c.now,
      sleep: c.sleep,
    });
    await Promise.all([gate.wait(), gate.wait()]);
    expect(looks).toBe(1);
    c.state.ms += 1_000;
    await gate.wait();
    expect(looks).toBe(2);
  });

  it("fails the check when the queue cannot be read, and asks again next time", async () => {
    const c = clock();
    let down = true;
    const gate = createPublicationBurstGate({
      recentChecks: async () => {
        if (down) throw new Error("database unreachable");
        return 0;
      },
      now: c.now,
      sleep: c.sleep,
    });
    await expect(gate.wait()).rejects.toThrow("database unreachable");
    down = false;
    expect(await gate.wait()).toBe(0);
  });
});
