/**
 * Folds a name for accent- and case-insensitive prefix search: compatibility decomposition, combining
 * marks removed, lower case, runs of white space collapsed. "  Élodie  DURAND " → "elodie durand".
 * The same function builds the stored key (customers.search_name) and the searched prefix.
 */
export function searchKey(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/gu, " ").trim();
}
