import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { CsvError, mapHeader, readCsv } from "./csv.js";

async function records(text: string | Uint8Array, chunkBytes?: number) {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const chunks: Uint8Array[] = [];
  if (chunkBytes === undefined) chunks.push(bytes);
  else for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  const out = [];
  for await (const record of readCsv(Readable.from(chunks))) out.push(record);
  return out;
}

describe("reading CSV", () => {
  const sample =
    '\uFEFFcustomerNumber;name;email;contracts\r\nC-1;"Dupont, Jean";jean@example.com;K-1|K-2\r\n\r\nC-2;"Il dit ""oui""\nsur deux lignes";;\r\nC-3;Émilie;e@example.com;K-3';

  it("reads a BOM, `;` separators, quoted fields with separators, quotes and line breaks, CRLF", async () => {
    expect(await records(sample)).toEqual([
      { line: 1, fields: ["customerNumber", "name", "email", "contracts"] },
      { line: 2, fields: ["C-1", "Dupont, Jean", "jean@example.com", "K-1|K-2"] },
      { line: 4, fields: ["C-2", 'Il dit "oui"\nsur deux lignes', "", ""] },
      { line: 6, fields: ["C-3", "Émilie", "e@example.com", "K-3"] },
    ]);
  });

  it("gives the same records whatever the chunk boundaries (a byte at a time)", async () => {
    expect(await records(sample, 1)).toEqual(await records(sample));
    expect(await records(sample, 7)).toEqual(await records(sample));
  });

  it("takes `,` as separator when the header has more commas than semicolons", async () => {
    expect(await records('a,b\n"x;y",2\n')).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x;y", "2"] },
    ]);
  });

  it("flags a record with broken quoting and goes on with the next one", async () => {
    const [, bad, good] = await records('a,b\n"x"y,2\nok,3\n');
    expect(bad!.problem).toMatch(/after a closing quote/);
    expect(good).toEqual({ line: 3, fields: ["ok", "3"] });
  });

  it("stops on text that is not UTF-8 or a quote never closed, naming the line", async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode("a,b\nC-1,"), 0xe9, 0x0a]);
    await expect(records(latin1)).rejects.toThrow(CsvError);
    await expect(records(latin1)).rejects.toMatchObject({ line: 2, message: /not UTF-8/ });
    await expect(records('a,b\nC-1,"open\nC-2,x\n')).rejects.toMatchObject({ line: 2 });
  });

  it("maps a header case-insensitively and names missing and unknown columns", () => {
    const columns = { required: ["customerNumber", "name"], optional: ["email"] } as const;
    expect(mapHeader(["Name", "CUSTOMERNUMBER"], columns)).toEqual({
      index: { name: 0, customerNumber: 1 },
    });
    expect(mapHeader(["customerNumber", "e-mail"], columns)).toEqual({
      problem: 'the first line must be the header customerNumber,name,email (missing name; unknown "e-mail")',
    });
  });
});
