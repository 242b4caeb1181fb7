// Which official artefacts judge which file: the profile's XSD, the profile's schematron (compiled XSLT)
// and the French rules BR-FR-Flux2. The artefacts are copied in rules/fnfe-1.4.0 (Apache-2.0, see its
// README.md); docs/compliance.md says what each profile gets and why.

/** The artefacts' version, as FNFE-MPE numbers it (rules/fnfe-1.4.0/FNFE-README.md, "Versionning"). */
export const RULES_VERSION = "FNFE-MPE 1.4.0.01";

/** Directory of the artefacts, relative to the repository root. */
export const RULES_DIR = "rules/fnfe-1.4.0";

/** The compiled stylesheets' manifest, relative to RULES_DIR (written by `npm run rules:compile`). */
export const SEF_MANIFEST = "sef/manifest.json";

/** One schematron stylesheet: its XSLT under RULES_DIR. */
export type StylesheetPath = string;

/** The checks of one profile. */
export interface RuleSet {
  /** Name shown in reports and docs. */
  name: string;
  /** Entry XSD under RULES_DIR, with the directory of the files it imports. */
  xsd: { dir: string; main: string };
  /** Schematron XSLTs run in this order; their failed asserts are the findings. */
  stylesheets: StylesheetPath[];
}

const FX = "Factur-X";
// The French rules exist in two variants with the same asserts: the FATAL one (every rule fatal) and the
// _WARNING one (145 of the 171 asserts downgraded to warnings, for the transition period). Since
// 1 September 2026 the rules block on sending, so the FATAL variant is the default; BrFrVariant selects.
const brFrFacturX = (variant: BrFrVariant) =>
  `${FX}/EN16931/2xslt/BR-FR-Flux2-Schematron-CII${variant === "warning" ? "_WARNING" : ""}.xslt`;
const brFrCii = (variant: BrFrVariant) =>
  `CII/EN16931/2xslt/BR-FR-Flux2-Schematron-CII${variant === "warning" ? "_WARNING" : ""}.xslt`;

/** `fatal`: BR-FR-Flux2-Schematron-CII.xslt (in force since 1 Sept 2026); `warning`: its _WARNING variant. */
export type BrFrVariant = "fatal" | "warning";

/** Profiles the validator knows (ProfileName of the reader, plus the CII-only EXTENDED-CTC-FR). */
export type RuleSetKey = "BASICWL" | "EN16931" | "EXTENDED" | "CII-EN16931" | "CII-EXTENDED-CTC-FR";

export function ruleSet(key: RuleSetKey, variant: BrFrVariant = "fatal"): RuleSet {
  switch (key) {
    case "BASICWL":
      return {
        name: "Factur-X 1.09 BASIC WL",
        xsd: { dir: `${FX}/BASICWL/1xsd`, main: "Factur-X_BASICWL.xsd" },
        stylesheets: [`${FX}/BASICWL/2xslt/FACTUR-X_BASIC-WL.xslt`, brFrFacturX(variant)],
      };
    case "EN16931":
      return {
        name: "Factur-X 1.09 EN 16931",
        xsd: { dir: `${FX}/EN16931/1xsd`, main: "Factur-X_EN16931.xsd" },
        stylesheets: [`${FX}/EN16931/2xslt/FACTUR-X_EN16931.xslt`, brFrFacturX(variant)],
      };
    case "EXTENDED":
      return {
        name: "Factur-X 1.09 EXTENDED",
        xsd: { dir: `${FX}/EXTENDED/1xsd`, main: "Factur-X_EXTENDED.xsd" },
        stylesheets: [`${FX}/EXTENDED/2xslt/Factur-X_EXTENDED.xslt`, brFrFacturX(variant)],
      };
    case "CII-EN16931":
      return {
        name: "CII D22B EN 16931",
        xsd: { dir: "CII/1xsd-CII_D22B_uncoupled", main: "CrossIndustryInvoice_100pD22B.xsd" },
        stylesheets: ["CII/EN16931/2xslt/EN16931-CII-validation.xslt", brFrCii(variant)],
      };
    case "CII-EXTENDED-CTC-FR":
      return {
        name: "CII D22B EXTENDED-CTC-FR",
        xsd: { dir: "CII/1xsd-CII_D22B_uncoupled", main: "CrossIndustryInvoice_100pD22B.xsd" },
        stylesheets: ["CII/EXTENDED-CTC-FR/2xslt/EXTENDED-CTC-FR-CII.xslt", brFrCii(variant)],
      };
  }
}

/**
 * Every XSLT compiled by `npm run rules:compile`, including the CDAR lifecycle rules (not used by the
 * invoice validator; the PA bridge reads them) and both BR-FR variants.
 */
export const ALL_STYLESHEETS: readonly StylesheetPath[] = [
  `${FX}/BASICWL/2xslt/FACTUR-X_BASIC-WL.xslt`,
  `${FX}/EN16931/2xslt/FACTUR-X_EN16931.xslt`,
  `${FX}/EXTENDED/2xslt/Factur-X_EXTENDED.xslt`,
  brFrFacturX("fatal"),
  brFrFacturX("warning"),
  "CII/EN16931/2xslt/EN16931-CII-validation.xslt",
  "CII/EXTENDED-CTC-FR/2xslt/EXTENDED-CTC-FR-CII.xslt",
  brFrCii("fatal"),
  brFrCii("warning"),
  "CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt",
  "CDAR/2xslt/BR-FR-CDV-Schematron-CDAR_WARNING.xslt",
];
