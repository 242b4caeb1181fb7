import type { CliIo } from "./io.js";

export interface ProgressOptions {
  /** What is counted, plural ("files", "rows"). */
  unit: string;
  /** Unknown (streamed input): no bar, no ETA. */
  total?: number;
  /** Plain mode: a line every this many units… */
  everyUnits?: number;
  /** …or every this many milliseconds, whichever comes first. */
  everyMs?: number;
  now?: () => number;
}

// `CliIo.out` ends every write with a newline (and a remote command line relays whole lines), so the bar
// is redrawn by going back up one line: ESC[1A, then \r and ESC[2K to clear it.
const REDRAW = "\x1b[1A\r\x1b[2K";
// The bar line must fit 80 columns: a wrapped line would not be redrawn in place.
const BAR_WIDTH = 20;
const REDRAW_MS = 100;
const RATE_WINDOW_MS = 5_000;

/**
 * Progress of a long command: on a terminal (`io.isTTY`) a bar redrawn in place at most 10 times a
 * second (count/total, rate, ETA); otherwise a plain line on stderr every `everyUnits` or `everyMs`.
 */
export class Progress {
  private done = 0;
  private drawn = false;
  private lastDraw = 0;
  private lastLineUnits = 0;
  private lastLineAt: number;
  private readonly started: number;
  private readonly samples: { at: number; done: number }[] = [];
  private readonly now: () => number;

  constructor(
    private readonly io: CliIo,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.lastLineAt = this.started;
    this.samples.push({ at: this.started, done: 0 });
  }

  /** Counts `units` more as done and redraws when it is time. */
  advance(units = 1): void {
    this.done += units;
    const at = this.now();
    if (this.io.isTTY) {
      if (at - this.lastDraw >= REDRAW_MS || this.done === this.options.total) this.draw(at);
      return;
    }
    const everyUnits = this.options.everyUnits ?? 1_000;
    const everyMs = this.options.everyMs ?? 10_000;
    if (this.done - this.lastLineUnits >= everyUnits || at - this.lastLineAt >= everyMs) {
      this.lastLineUnits = this.done;
      this.lastLineAt = at;
      this.io.err(`progress: ${this.describe(at)}`);
    }
  }

  /** Prints a line (a rejected file, …) on stdout, keeping the bar below it. */
  note(text: string): void {
    if (this.io.isTTY && this.drawn) {
      this.io.out(`${REDRAW}${text}`);
      this.io.out(this.bar(this.now()));
    } else this.io.out(text);
  }

  /** Last redraw (terminal) or last plain line; the caller prints its summary next. */
  finish(): void {
    const at = this.now();
    if (this.io.isTTY) {
      if (this.drawn) this.draw(at);
    } else if (this.done > this.lastLineUnits) {
      this.lastLineUnits = this.done;
      this.io.err(`progress: ${this.describe(at)}`);
    }
  }

  get elapsedMs(): number {
    return this.now() - this.started;
  }

  private draw(at: number): void {
    this.lastDraw = at;
    this.io.out(`${this.drawn ? REDRAW : ""}${this.bar(at)}`);
    this.drawn = true;
  }

  private bar(at: number): string {
    const { total } = this.options;
    if (total === undefined || total === 0) return this.describe(at);
    const filled = Math.min(BAR_WIDTH, Math.floor((this.done / total) * BAR_WIDTH));
    return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${this.describe(at)}`;
  }

  private describe(at: number): string {
    const { total, unit } = this.options;
    const rate = this.rate(at);
    const parts = [
      total === undefined
        ? `${this.done} ${unit}`
        : `${this.done}/${total} ${unit} (${total === 0 ? 100 : Math.floor((this.done / total) * 100)}%)`,
      `${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/s`,
    ];
    if (total !== undefined && this.done < total)
      // The first second's rate says more about start-up than about the run.
      parts.push(
        `ETA ${rate > 0 && at - this.started >= 1_000 ? formatDuration((total - this.done) / rate) : "?"}`,
      );
    else parts.push(`elapsed ${formatDuration((at - this.started) / 1000)}`);
    return parts.join(" ");
  }

  /** Units per second over the last few seconds, so the ETA follows a run that speeds up or slows down. */
  private rate(at: number): number {
    this.samples.push({ at, done: this.done });
    while (this.samples.length > 2 && at - this.samples[1]!.at > RATE_WINDOW_MS) this.samples.shift();
    const oldest = this.samples[0]!;
    const seconds = (at - oldest.at) / 1000;
    return seconds > 0 ? (this.done - oldest.done) / seconds : 0;
  }
}

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}
