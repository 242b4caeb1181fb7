// The part of SaxonJS 2.7's API the validator uses (the package ships no types).
declare module "saxon-js" {
  interface TransformOptions {
    stylesheetInternal: unknown;
    stylesheetBaseURI?: string;
    sourceText: string;
    destination: "serialized";
  }
  interface SaxonJS {
    transform(options: TransformOptions, mode: "sync"): { principalResult: string };
    getProcessorInfo(): { productVersion: string };
  }
  const saxon: SaxonJS;
  export default saxon;
}
