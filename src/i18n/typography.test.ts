import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// French typography (issue #13 item 14): a non-breaking space before « ? ! : ; » and inside « », so a
// line never starts with a lone « ? » or ends on an opening « at 360 px. The texts carry the real
// characters (U+00A0 before « : » and inside « », U+202F before « ; ! ? »); nothing is patched at render
// time. This reads the text of every string, template and JSX text of the files that hold words shown
// to people, so a text added later with a plain space fails here.

const SRC = path.resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Files whose strings are words for people: messages, views, routes, mail templates. */
function textFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  const isSource = (f: string) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f);
  return [
    path.join(SRC, "i18n", "fr.ts"),
    path.join(SRC, "i18n", "en.ts"),
    ...walk(path.join(SRC, "http", "views")).filter(isSource),
    // Routes word a few staff messages themselves.
    ...walk(path.join(SRC, "http", "routes")).filter(isSource),
    path.join(SRC, "http", "staff-auth.ts"),
    ...walk(path.join(SRC, "mail", "templates")).filter(isSource),
  ];
}

/** Every piece of literal text in a file, with its line: string literals, template parts, JSX text. */
function literalTexts(file: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TSX,
  );
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    // Object keys, attribute names and CSS class lists are code, not words; attribute values like aria-label are words.
    const isClassAttribute =
      node.parent !== undefined &&
      ts.isJsxAttribute(node.parent) &&
      ["class", "href", "action", "src", "id", "for"].includes(node.parent.name.getText());
    const literal =
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node);
    if (literal && !isClassAttribute) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text });
    } else if (ts.isJsxText(node)) {
      // As JSX reads it: each line trimmed where it meets a line break, empty lines dropped, joined by a space.
      const lines = node.text.split("\n");
      const text = lines
        .map((l, i) => {
          const start = i > 0 ? l.replace(/^[ \t\r]+/, "") : l;
          return i < lines.length - 1 ? start.replace(/[ \t\r]+$/, "") : start;
        })
        .filter((l) => l !== "")
        .join(" ");
      found.push({
        line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
        text,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** What is wrong with a text's French punctuation, or undefined. */
function typographyProblem(text: string): string | undefined {
  if (/[ \t][?!:;](?=\s|$|["'’)»])/.test(text)) return "plain space before ? ! : ;";
  if (/« /.test(text) || / »/.test(text)) return "plain space inside « »";
  return undefined;
}

describe("French typography", () => {
  it("flags a plain space before ? ! : ; and inside « », accepts the non-breaking ones", () => {
    expect(typographyProblem("Mot de passe oublié ?")).toBeDefined();
    expect(typographyProblem("Votre identifiant : K7QM")).toBeDefined();
    expect(typographyProblem("le lien « oublié »")).toBeDefined();
    expect(typographyProblem("Mot de passe oublié\u202f?")).toBeUndefined();
    expect(typographyProblem("Votre identifiant\u00a0: K7QM")).toBeUndefined();
    expect(typographyProblem("le lien «\u00a0oublié\u00a0»")).toBeUndefined();
    // Code-like text is not prose: a time, a URL, a ternary inside a template's expression is not text.
    expect(typographyProblem("14:05 https://exemple.fr")).toBeUndefined();
  });

  it("every text of the messages, views and mail templates uses non-breaking spaces", () => {
    const problems = textFiles().flatMap((file) =>
      literalTexts(file).flatMap(({ line, text }) => {
        const problem = typographyProblem(text);
        return problem
          ? [`${path.relative(SRC, file)}:${line} ${problem}: ${JSON.stringify(text.slice(0, 90))}`]
          : [];
      }),
    );
    expect(problems).toEqual([]);
  });
});
