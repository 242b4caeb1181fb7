// The list page's rendering alone (no HTTP, no database): 50 lines of a fleet account, French, in a loop.
// What the page costs in Node before any I/O; run: npx tsx bench/list-render.tsx [iterations]
import type { PortalInvoiceListRow } from "../src/db/portal-invoices.queries.js";
import { parseInvoiceFilters } from "../src/http/invoice-filters.js";
import { InvoicesPage } from "../src/http/views/invoices.view.js";
import { uiFor } from "../src/i18n/index.js";

const iterations = Number(process.argv[2] ?? 3000);
const day = (i: number) =>
  `2026-${String(1 + (i % 11)).padStart(2, "0")}-${String(1 + (i % 27)).padStart(2, "0")}`;
const rows: PortalInvoiceListRow[] = Array.from({ length: 50 }, (_, i) => ({
  id: `0b6c2f0e-1d2a-4c3b-9e8f-${String(100000000000 + i * 7919)}`,
  invoiceNumber: `FA-202611-${String(9000 + i).padStart(7, "0")}`,
  typeCode: i % 17 === 0 ? "381" : "380",
  issueDate: day(i),
  contractNumber: `LLD-${10000 + i}`,
  customerNumber: `C${String(100000 + (i % 8)).padStart(7, "0")}`,
  currency: "EUR",
  grandTotal: `${100 + i * 13}.${String(i % 100).padStart(2, "0")}`,
  availableUntil: new Date(Date.parse(`${day(i)}T10:00:00Z`) + 730 * 86_400_000),
  firstDownloadedAt: i % 3 === 0 ? null : new Date(Date.parse(`${day(i)}T10:00:00Z`) + 86_400_000),
  removedAt: null,
}));
const numbers = Array.from({ length: 8 }, (_, i) => `C${String(100000 + i).padStart(7, "0")}`);
const render = () =>
  (
    <InvoicesPage
      ui={uiFor("fr", "/factures")}
      branding={{ name: "Bailleur", brandingCssUrl: "/branding.css?v=1", portal: true }}
      user={{ identifier: "Y49Q-QZU7", csrf: "x".repeat(52) }}
      filters={parseInvoiceFilters({})}
      invoices={rows}
      matching={10_000}
      dates={{ oldest: "2024-12-01", newest: "2026-11-01" }}
      leaving={{
        count: 108,
        first: new Date("2026-12-01T10:00:00Z"),
        last: new Date("2027-01-20T10:00:00Z"),
      }}
      customerNumbers={numbers}
      nextPage="apres=2026-01-01_x"
    />
  ) as string;

let bytes = 0;
for (let i = 0; i < 300; i++) bytes = render().length;
const cpu = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < iterations; i++) bytes = Buffer.byteLength(render());
const ms = (performance.now() - start) / iterations;
const used = process.cpuUsage(cpu);
console.log(
  `list page render: ${ms.toFixed(3)} ms per page (CPU ${((used.user + used.system) / 1000 / iterations).toFixed(3)} ms), ${bytes} bytes, ${iterations} pages`,
);
