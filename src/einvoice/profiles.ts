import type { ProfileName } from "./types.js";

// Guideline identifiers (BT-24) of Factur-X 1.0 and ZUGFeRD 2.x. The FNFE samples write the BASIC one
// with ':' where the specification has '#', and XRechnung versions change the suffix, so the
// identifier is compared with both separators treated alike.
const EXACT: Record<string, ProfileName> = {
  "urn:factur-x.eu:1p0:minimum": "MINIMUM",
  "urn:zugferd.de:2p0:minimum": "MINIMUM",
  "urn:factur-x.eu:1p0:basicwl": "BASIC WL",
  "urn:zugferd.de:2p0:basicwl": "BASIC WL",
  "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic": "BASIC",
  "urn:cen.eu:en16931:2017:compliant:urn:factur-x.eu:1p0:basic": "BASIC",
  "urn:cen.eu:en16931:2017:compliant:urn:zugferd.de:2p0:basic": "BASIC",
  "urn:cen.eu:en16931:2017": "EN 16931",
  "urn:cen.eu:en16931:2017:conformant:urn:factur-x.eu:1p0:extended": "EXTENDED",
  "urn:cen.eu:en16931:2017:conformant:factur-x.eu:1p0:extended": "EXTENDED",
  "urn:cen.eu:en16931:2017:conformant:urn:zugferd.de:2p0:extended": "EXTENDED",
};

const XRECHNUNG =
  /^urn:cen\.eu:en16931:2017:compliant:urn:xoev-de:kosit:standard:xrechnung_\d+(\.\d+)*$|^urn:cen\.eu:en16931:2017:compliant:urn:xeinkauf\.de:kosit:xrechnung_\d+(\.\d+)*$/;

/** The profile named by a guideline identifier; UNKNOWN when absent or not recognised. */
export function profileFromGuideline(id: string | undefined): ProfileName {
  if (id === undefined) return "UNKNOWN";
  const key = id.trim().toLowerCase().replaceAll("#", ":");
  return EXACT[key] ?? (XRECHNUNG.test(key) ? "XRECHNUNG" : "UNKNOWN");
}

/** Guideline identifier written by buildCiiXml. */
export const EN16931_GUIDELINE = "urn:cen.eu:en16931:2017";
