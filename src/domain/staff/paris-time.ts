/** The instant a calendar day (YYYY-MM-DD) starts in Paris, whatever the daylight-saving offset. */
export function parisDayStart(day: string): Date {
  const midnightUtc = new Date(`${day}T00:00:00Z`);
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Paris",
    hour: "2-digit",
    hourCycle: "h23",
  }).formatToParts(midnightUtc);
  const offsetHours = Number(parts.find((p) => p.type === "hour")!.value); // Paris is UTC+1 or UTC+2
  return new Date(midnightUtc.getTime() - offsetHours * 3600_000);
}

/** The first instant of the current month in Paris. */
export function parisMonthStart(now: Date): Date {
  const month = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
  }).format(now);
  return parisDayStart(`${month}-01`);
}
