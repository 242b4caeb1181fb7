/** A UUID in its canonical form: lowercase hexadecimal, 8-4-4-4-12. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The id a path, query or cookie carries, or undefined when it is not a UUID: anything else is answered
 * like an unknown record (404, empty filter…) before any query, and never reaches the database, where a
 * malformed uuid would fail the statement. Lowercase only, unless `ignoreCase` (invoice links: a mail
 * client may upper-case them), which returns the lowercase form.
 */
export function parseUuid(value: unknown, options: { ignoreCase?: boolean } = {}): string | undefined {
  if (typeof value !== "string") return undefined;
  const id = options.ignoreCase ? value.toLowerCase() : value;
  return UUID.test(id) ? id : undefined;
}
