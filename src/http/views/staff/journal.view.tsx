import type { JournalCriteria, JournalEntry } from "../../../domain/staff/audit-journal.js";
import { csvField } from "../../invoice-csv.js";
import type { Branding } from "../layout.js";
import { AUDIT_ACTION_LABELS } from "./messages.fr.js";
import { frDateTime, type StaffHeader, StaffLayout } from "./staff-layout.js";

export type JournalQuery = JournalCriteria;

export function actorLabel(e: JournalEntry): string {
  if (e.actorType === "staff") return e.actorEmail ?? "membre de l’équipe";
  if (e.actorType === "customer") return "client";
  if (e.actorType === "issuer") return "émetteur (API / import)";
  if (e.actorType === "platform") return "opérateur de la plateforme";
  return "système";
}

export function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k} : ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

const CSV_SEPARATOR = ";";
const CSV_HEADER = [
  "N°",
  "Date (UTC)",
  "Auteur",
  "Action",
  "Code",
  "Cible",
  "IP",
  "Détails",
  "Empreinte",
  "Chaînage",
];

/** The journal export for French Excel: BOM, `;`, CRLF; one chunk per batch of entries. */
export async function* journalCsv(batches: AsyncIterable<JournalEntry[]>): AsyncGenerator<string> {
  const sep = CSV_SEPARATOR;
  yield `\uFEFF${CSV_HEADER.map((h) => csvField(h, sep)).join(sep)}\r\n`;
  for await (const batch of batches) {
    let chunk = "";
    for (const e of batch) {
      chunk += `${[
        String(e.seq),
        new Date(e.at).toISOString(),
        actorLabel(e),
        AUDIT_ACTION_LABELS[e.action] ?? e.action,
        e.action,
        e.targetType ? `${e.targetType} ${e.targetId ?? ""}` : "",
        e.ip ?? "",
        detailsText(e.details),
        e.hash,
        e.chainOk ? "vérifié" : "rompu",
      ]
        .map((v) => csvField(v, sep))
        .join(sep)}\r\n`;
    }
    yield chunk;
  }
}

export function JournalPage(props: {
  branding: Branding;
  staff: StaffHeader;
  query: JournalQuery;
  staffOptions: { id: string; email: string }[];
  entries: JournalEntry[];
  nextUrl?: string;
  csvUrl: string;
  error?: string;
}) {
  const q = props.query;
  return (
    <StaffLayout title="Journal" branding={props.branding} staff={props.staff} current="journal">
      <h1>Journal des actions</h1>
      <p>
        Chaque entrée est chaînée à la précédente par son empreinte SHA-256 : la colonne « Chaînage »
        recalcule ce lien et signale toute entrée modifiée, retirée ou déplacée.
      </p>
      <form method="get" action="/conseiller/journal" class="staff-filters">
        <div class="field">
          <label for="actor">Auteur</label>
          <select id="actor" name="actor">
            <option value="">Tous</option>
            {props.staffOptions.map((s) => (
              <option value={s.id} selected={q.actor === s.id} safe>
                {s.email}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="customer">Numéro client</label>
          <input type="text" id="customer" name="customer" value={q.customer} maxlength="64" />
        </div>
        <div class="field">
          <label for="action">Action</label>
          <select id="action" name="action">
            <option value="">Toutes</option>
            {Object.entries(AUDIT_ACTION_LABELS).map(([code, label]) => (
              <option value={code} selected={q.action === code} safe>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="from">Du</label>
          <input type="date" id="from" name="from" value={q.from} />
        </div>
        <div class="field">
          <label for="to">Au (inclus)</label>
          <input type="date" id="to" name="to" value={q.to} />
        </div>
        <div>
          <button type="submit" class="button">
            Filtrer
          </button>
        </div>
      </form>
      {props.error ? (
        <p class="error" role="alert" safe>
          {props.error}
        </p>
      ) : (
        ""
      )}
      <p>
        <a href={props.csvUrl}>Exporter ces entrées en CSV (Excel)</a>
      </p>
      {props.entries.length === 0 ? (
        <p role="status">Aucune entrée ne correspond à ces filtres.</p>
      ) : (
        <section class="staff-scroll" aria-label="Entrées du journal" tabindex="0">
          <table class="staff-table">
            <thead>
              <tr>
                <th scope="col">N°</th>
                <th scope="col">Date</th>
                <th scope="col">Auteur</th>
                <th scope="col">Action</th>
                <th scope="col">Détails</th>
                <th scope="col">Chaînage</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr>
                  <td safe>{String(e.seq)}</td>
                  <td safe>{frDateTime(e.at)}</td>
                  <td safe>{actorLabel(e)}</td>
                  <td>
                    <span safe>{AUDIT_ACTION_LABELS[e.action] ?? e.action}</span>
                    <br />
                    <code class="muted" safe>
                      {e.action}
                    </code>
                  </td>
                  <td safe>{detailsText(e.details)}</td>
                  <td class={e.chainOk ? "staff-ok" : "staff-bad"}>{e.chainOk ? "✓ vérifié" : "✗ rompu"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {props.nextUrl ? (
        <p>
          <a href={props.nextUrl}>Entrées plus anciennes →</a>
        </p>
      ) : (
        ""
      )}
    </StaffLayout>
  );
}
