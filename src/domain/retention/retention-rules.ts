/**
 * Retention rules (pure). An invoice's `availableUntil` is fixed at publication (publication + the
 * tenant's retention months) and never recomputed: a later change of the tenant's retention applies to
 * invoices published after it, so the date shown to a customer is a promise that is never shortened.
 */

/** Lifecycle code of an invoice removed from the portal at the end of its retention. The DGFiP codes are
 * 2xx; 900 is ours, outside their range, so a future official status can never collide with it. */
export const REMOVED_STATUS = 900;

/** Reminders before removal: step 1 when an invoice leaves within 60 days, step 2 within 15. */
export type ReminderStep = 1 | 2;

const DAY_MS = 86_400_000;

/** The end of a reminder window: invoices leaving at or before this instant are within `days` of `now`. */
export function windowEnd(now: Date, days: number): Date {
  return new Date(now.getTime() + days * DAY_MS);
}

/** The days a reminder step announces (60 or 15). */
export function daysOfStep(step: ReminderStep): number {
  return step === 2 ? 15 : 60;
}

/** Where a reminder sends the customer: the never-downloaded invoices leaving within 60 days, with the list's one-click ZIP. */
export const REMINDER_LIST_PATH = "/factures?retrait=60&nouvelles=1";
