import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.queries.js";
import { transmissionFilter } from "../src/http/routes/staff/pa.js";
import { buildWebApp } from "../src/http/web-app.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { loggedInStaff } from "./support/staff.js";
import type { WebClient } from "./support/web-client.js";

// Issue #16 item 5, back office: the admin connects the tenant's PA (secret sealed, never shown again, change
// audited), tests it; every staff member sees the transmissions with their reasons, filtered, in CSV, and the
// monthly figures; admins see the PA's messages that matched nothing. Never another tenant's.

const HOST = "acme.localhost:3000";
const NBSP = "\u00a0";

describe("the transmission list's filters", () => {
  it("keeps the known values only", () => {
    expect(transmissionFilter({ etat: "held", retenue: "no_connection", statut: "207" })).toEqual({
      status: "held",
      holdReason: "no_connection",
      code: 207,
    });
    expect(transmissionFilter({ etat: "x'; drop", retenue: "?", statut: "205" })).toEqual({});
  });
});

describe.each(ENGINES)("the plateforme agréée in the back office (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let pa: LocalPa;
  let tenant: TenantRow;
  let other: TenantRow;
  let admin: WebClient;
  let advisor: WebClient;
  const ids: Record<string, string> = {};

  const transmission = (
    invoiceId: string,
    t: TenantRow,
    status: string,
    extra: Record<string, unknown> = {},
  ) =>
    services.db.query(
      `insert into pa_transmissions (tenant_id, invoice_id, status, hold_reason, flow_id, submitted_at, ack_status, reasons)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        t.id,
        invoiceId,
        status,
        extra.holdReason ?? null,
        extra.flowId ?? null,
        extra.submittedAt ?? null,
        extra.ackStatus ?? null,
        JSON.stringify(extra.reasons ?? []),
      ],
    );
  const status = (
    invoiceId: string,
    t: TenantRow,
    code: number,
    label: string,
    at: string,
    reason?: [string, string],
  ) =>
    services.db.query(
      `insert into pa_lifecycle_statuses (tenant_id, invoice_id, code, label, at, source, role, reason_code, reason_text, flow_id)
       values ($1, $2, $3, $4, $5, 'pa', 'BY', $6, $7, $8)`,
      [t.id, invoiceId, code, label, at, reason?.[0] ?? null, reason?.[1] ?? null, `lc-${invoiceId}-${code}`],
    );

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("acme-client", "acme-secret-value");
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    tenant = await makeTenant(services.db);
    other = await makeTenant(services.db, { slug: "zeta", displayName: "Zeta Bail" });
    await makeCustomer(services, tenant, "C-1", { email: null });
    await makeCustomer(services, other, "Z-1", { email: null });
    const when = { now: new Date("2026-11-05T08:00:00Z") };
    for (const n of ["F-ACK", "F-DISPUTE", "F-REFUSED", "F-REJECTED", "F-HELD"])
      ids[n] = (
        await publishFacturX(services, tenant, facturx(n, "C-1", { processingRule: "B2B" }), when)
      ).id;
    ids.zeta = (
      await publishFacturX(services, other, facturx("Z-DISPUTE", "Z-1", { processingRule: "B2B" }), when)
    ).id;
    // What transmission and intake record (docs/pa-bridge.md), written as they store it.
    const sent = { submittedAt: "2026-11-05T09:00:00Z", ackStatus: "Ok" };
    await transmission(ids["F-ACK"]!, tenant, "acknowledged", { ...sent, flowId: "flow-ack" });
    await transmission(ids["F-DISPUTE"]!, tenant, "acknowledged", { ...sent, flowId: "flow-dispute" });
    await transmission(ids["F-REFUSED"]!, tenant, "acknowledged", { ...sent, flowId: "flow-refused" });
    await transmission(ids["F-REJECTED"]!, tenant, "rejected", {
      ...sent,
      ackStatus: "Error",
      flowId: "flow-rejected",
      reasons: [
        {
          level: "Error",
          item: "BT-48",
          reasonCode: "REJ_SEMAN",
          reasonMessage: "Numéro de TVA acheteur invalide",
        },
      ],
    });
    await transmission(ids["F-HELD"]!, tenant, "held", { holdReason: "validation_failed" });
    await transmission(ids.zeta!, other, "acknowledged", { ...sent, flowId: "flow-zeta" });
    await status(ids["F-ACK"]!, tenant, 205, "Approuvée", "2026-11-07T10:00:00Z");
    await status(ids["F-ACK"]!, tenant, 212, "Encaissée", "2026-11-20T10:00:00Z");
    await status(ids["F-DISPUTE"]!, tenant, 207, "En litige", "2026-11-08T10:00:00Z", [
      "QTE_ERR",
      "Trois véhicules facturés, deux livrés",
    ]);
    await status(ids["F-REFUSED"]!, tenant, 210, "Refusée", "2026-11-09T10:00:00Z", [
      "CONTRAT_TERM",
      "Contrat clos",
    ]);
    await status(ids.zeta!, other, 207, "En litige", "2026-11-08T10:00:00Z", ["AUTRE", "ZETA-SECRET-REASON"]);
    // Messages the intake kept: one matching nothing, one invalid; another tenant's never shows.
    await services.db.query(
      `insert into pa_inbound_messages (tenant_id, flow_id, received_via, outcome, detail, document) values
         ($1, 'lc-unmatched', 'poll', 'unmatched', 'no invoice X-404 of 2026-11-05 (seller 443061841)', '<rsm:CrossDomainAcknowledgementAndResponse/>'),
         ($1, 'lc-invalid', 'webhook', 'invalid', 'CDAR XSD: element Foo not expected', '<Foo/>'),
         ($2, 'lc-zeta', 'poll', 'unmatched', 'ZETA-ONLY-DETAIL', null)`,
      [tenant.id, other.id],
    );
    admin = (
      await loggedInStaff(services, app, {
        tenantId: tenant.id,
        host: HOST,
        email: "anne@acme.test",
        role: "admin",
      })
    ).client;
    advisor = (
      await loggedInStaff(services, app, {
        tenantId: tenant.id,
        host: HOST,
        email: "paul@acme.test",
        role: "advisor",
      })
    ).client;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    await pa?.close();
  });

  it("lets an admin connect the PA: the secret is sealed, never shown again, and the change is audited", async () => {
    const before = await admin.get("/conseiller/admin/plateforme");
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain("Aucune plateforme agréée n’est connectée");
    const res = await admin.post("/conseiller/admin/plateforme/connexion", {
      flowUrl: pa.flowUrl,
      authKind: "oauth2",
      tokenUrl: pa.tokenUrl,
      clientId: "acme-client",
      clientSecret: "acme-secret-value",
      pollSeconds: "120",
    });
    expect(res.statusCode).toBe(303);
    const page = await admin.get(res.headers.location as string);
    expect(page.body).toContain("Connexion enregistrée");
    expect(page.body).toContain(pa.flowUrl);
    expect(page.body).toContain("OAuth2, client acme-client");
    expect(page.body).toContain("Toutes les 120 secondes");
    expect(page.body).not.toContain("acme-secret-value");
    const [row] = await services.db.query<{ sealed_secret: string; poll_seconds: number }>(
      "select sealed_secret, poll_seconds from pa_connections where tenant_id = $1",
      [tenant.id],
    );
    expect(row!.poll_seconds).toBe(120);
    expect(row!.sealed_secret).not.toContain("acme-secret-value");
    const [audit] = await services.db.query<{
      action: string;
      actor_type: string;
      details: Record<string, unknown>;
    }>(
      "select action, actor_type, details from audit_entries where tenant_id = $1 and action like 'pa.connect%'",
      [tenant.id],
    );
    expect(audit).toMatchObject({
      action: "pa.connected",
      actor_type: "staff",
      details: { clientId: "acme-client" },
    });
    expect(JSON.stringify(audit)).not.toContain("acme-secret-value");
    // As `efacture pa connect`: the tenant's webhook is subscribed at the PA, by this staff member.
    const hooks = pa.webhooks("acme-client");
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.callbackUrl).toMatch(/\/api\/pa\/webhooks\/[0-9a-f-]{36}$/);
    const [hook] = await services.db.query<{ actor_type: string }>(
      "select actor_type from audit_entries where tenant_id = $1 and action = 'pa.webhook_subscribed'",
      [tenant.id],
    );
    expect(hook).toEqual({ actor_type: "staff" });
  });

  it("tests the connection and says what works, then what does not when the PA is down", async () => {
    const ok = await admin.post("/conseiller/admin/plateforme/test", {});
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain(`Résultat du test${NBSP}: tout fonctionne`);
    expect(ok.body).toContain(`Jeton${NBSP}: obtenu auprès du serveur d’autorisation.`);
    expect(ok.body).toContain(`Service Flow${NBSP}: il répond`);
    pa.down = true;
    try {
      const down = await admin.post("/conseiller/admin/plateforme/test", {});
      expect(down.body).toContain(`Résultat du test${NBSP}: un problème`);
      expect(down.body).toContain("Les transmissions attendent");
    } finally {
      pa.down = false;
    }
  });

  it("refuses an incomplete or hostile connection in words, keeps what was typed but never a secret, changes nothing", async () => {
    const missing = await admin.post("/conseiller/admin/plateforme/connexion", {
      flowUrl: pa.flowUrl,
      authKind: "oauth2",
      tokenUrl: pa.tokenUrl,
      clientId: "",
      clientSecret: "typed-secret-1",
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain("Pour OAuth2, indiquez");
    expect(missing.body).not.toContain("typed-secret-1");
    const credentialsInUrl = await admin.post("/conseiller/admin/plateforme/connexion", {
      flowUrl: "https://user:pw@pa.example/flow",
      authKind: "token",
      token: "typed-secret-2",
    });
    expect(credentialsInUrl.statusCode).toBe(400);
    expect(credentialsInUrl.body).toContain("ni identifiant, ni mot de passe");
    expect(credentialsInUrl.body).not.toContain("typed-secret-2");
    const poll = await admin.post("/conseiller/admin/plateforme/connexion", {
      flowUrl: pa.flowUrl,
      authKind: "token",
      token: "t",
      pollSeconds: "5",
    });
    expect(poll.statusCode).toBe(400);
    const [row] = await services.db.query<{ flow_url: string; auth_kind: string }>(
      "select flow_url, auth_kind from pa_connections where tenant_id = $1",
      [tenant.id],
    );
    expect(row).toEqual({ flow_url: pa.flowUrl, auth_kind: "oauth2" });
  });

  it("keeps the connection to admins: an advisor gets 403 on its page and its forms", async () => {
    expect((await advisor.get("/conseiller/admin/plateforme")).statusCode).toBe(403);
    await advisor.get("/conseiller/plateforme"); // a page of theirs, for the CSRF token
    const post = await advisor.post("/conseiller/admin/plateforme/connexion", {
      flowUrl: "https://evil.example/flow",
      authKind: "token",
      token: "x",
    });
    expect(post.statusCode).toBe(403);
    const [row] = await services.db.query<{ flow_url: string }>(
      "select flow_url from pa_connections where tenant_id = $1",
      [tenant.id],
    );
    expect(row!.flow_url).toBe(pa.flowUrl);
  });

  it("shows every staff member the transmissions with their reasons, filtered, never another tenant's", async () => {
    const all = await advisor.get("/conseiller/plateforme");
    expect(all.statusCode).toBe(200);
    for (const n of ["F-ACK", "F-DISPUTE", "F-REFUSED", "F-REJECTED", "F-HELD"])
      expect(all.body).toContain(n);
    expect(all.body).not.toContain("Z-DISPUTE");
    expect(all.body).not.toContain("ZETA-SECRET-REASON");
    expect(all.body).toContain(
      `207 En litige${NBSP}: par acheteur · motif QTE_ERR · «${NBSP}Trois véhicules facturés, deux livrés${NBSP}»`,
    );
    expect(all.body).toContain(`Dépôt${NBSP}: REJ_SEMAN — Numéro de TVA acheteur invalide — (BT-48)`);
    const disputes = await advisor.get("/conseiller/plateforme?statut=207");
    expect(disputes.body).toContain("F-DISPUTE");
    for (const n of ["F-ACK", "F-REFUSED", "F-REJECTED", "F-HELD"])
      expect(disputes.body).not.toContain(`>Facture ${n}<`);
    const refused = await advisor.get("/conseiller/plateforme?statut=210");
    expect(refused.body).toContain("Facture F-REFUSED");
    expect(refused.body).not.toContain("Facture F-DISPUTE");
    const rejected = await advisor.get("/conseiller/plateforme?etat=rejected");
    expect(rejected.body).toContain("Facture F-REJECTED");
    expect(rejected.body).not.toContain("Facture F-ACK");
    const held = await advisor.get("/conseiller/plateforme?etat=held&retenue=validation_failed");
    expect(held.body).toContain("Facture F-HELD");
    expect(held.body).toContain("non conforme aux règles officielles");
    expect(held.body).not.toContain("Facture F-ACK");
  });

  it("exports the list as CSV with the route, and shows the monthly figures", async () => {
    const csv = await advisor.get("/conseiller/plateforme.csv?statut=207");
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toContain("route");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("F-DISPUTE");
    expect(lines[1]).toContain(";B2B;");
    expect(lines[1]).toContain("QTE_ERR");
    const page = await advisor.get("/conseiller/plateforme");
    const months = page.body.slice(page.body.indexOf('id="pa-months-caption"'));
    const row = /<th scope="row">novembre 2026<\/th>((?:<td[^>]*>\d+<\/td>)+)/.exec(months);
    expect(row).not.toBeNull();
    const values = [...row![1]!.matchAll(/>(\d+)</g)].map((m) => Number(m[1]));
    // transmitted, acknowledged, rejected, disputed, refused, rejected (213), collected
    expect(values).toEqual([4, 3, 1, 1, 1, 0, 1]);
  });

  it("shows admins the messages that matched nothing or could not be read, with their detail", async () => {
    const page = await admin.get("/conseiller/admin/plateforme");
    expect(page.body).toContain("non rapprochés ou invalides (2)");
    expect(page.body).toContain("lc-unmatched");
    expect(page.body).toContain("no invoice X-404 of 2026-11-05");
    expect(page.body).toContain("lc-invalid");
    expect(page.body).toContain("CDAR XSD: element Foo not expected");
    expect(page.body).toContain("&lt;Foo/>");
    expect(page.body).not.toContain("ZETA-ONLY-DETAIL");
  });

  it("shows the route, the transmission and the lifecycle on the back office's invoice page", async () => {
    const page = await advisor.get(`/conseiller/factures/${ids["F-DISPUTE"]}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Plateforme agréée");
    expect(page.body).toContain("Acceptée par la plateforme");
    expect(page.body).toContain("flow-dispute");
    expect(page.body).toContain("207 En litige");
    expect(page.body).toContain("Trois véhicules facturés, deux livrés");
    const zeta = await advisor.get(`/conseiller/factures/${ids.zeta}`);
    expect(zeta.statusCode).toBe(404);
  });

  it("escapes what an admin typed when it shows the connection (a client id is free text)", async () => {
    const res = await admin.post("/conseiller/admin/plateforme/connexion", {
      flowUrl: pa.flowUrl,
      authKind: "oauth2",
      tokenUrl: pa.tokenUrl,
      clientId: 'acme<img src=x onerror="alert(1)">',
      clientSecret: "acme-secret-value",
      pollSeconds: "120",
    });
    expect(res.statusCode).toBe(303);
    const page = await admin.get("/conseiller/admin/plateforme");
    expect(page.body).toContain("<dd>OAuth2, client acme&lt;img src=x onerror=&#34;alert(1)&#34;></dd>");
    // Anywhere else it appears, it is inside a quoted attribute value (the form's field), never markup.
    expect(page.body.replaceAll('value="acme<img src=x onerror=&#34;alert(1)&#34;>"', "")).not.toContain(
      "<img",
    );
  });
});
