import fastifyMultipart from "@fastify/multipart";
import type { FastifyReply } from "fastify";
import type { Services } from "../../../app.js";
import { readTenantStats } from "../../../db/backoffice.queries.js";
import { listStaff } from "../../../db/staff.queries.js";
import { findTenantBySlug, type TenantRow } from "../../../db/tenants.queries.js";
import { createApiKey } from "../../../domain/api-keys/create-api-key.js";
import { listApiKeys } from "../../../domain/api-keys/list-api-keys.js";
import { revokeApiKey } from "../../../domain/api-keys/revoke-api-key.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { MAX_LOGO_BYTES } from "../../../domain/staff/logo-file.js";
import { parisMonthStart } from "../../../domain/staff/paris-time.js";
import {
  disableStaff,
  enrolmentUrl,
  inviteStaff,
  resetStaffTotp,
  type StaffActor,
} from "../../../domain/staff/staff-accounts.js";
import {
  type ContactDetails,
  type LegalDetails,
  updateBranding,
  updateContact,
  updateDefaultProcessingRule,
  updateFaq,
  updateLegal,
  updateRetention,
} from "../../../domain/staff/tenant-settings.js";
import {
  CONTACT_FIELDS,
  LEGAL_FIELDS,
  missingPortalDetails,
} from "../../../domain/tenants/portal-details.js";
import {
  addSellerIdentity,
  listSellerIdentities,
  removeSellerIdentity,
} from "../../../domain/tenants/seller-identities.js";
import { parseUuid } from "../../ids.js";
import type { StaffAuth } from "../../staff-auth.js";
import { renderFaqMarkdown } from "../../tenant-help.js";
import type { TenantRequest, TenantScope } from "../../tenant-scope.js";
import { AdminHomePage, ApiKeysPage, PortalSettingsPage, TeamPage } from "../../views/staff/admin.view.js";
import { STAFF_MESSAGES } from "../../views/staff/messages.fr.js";
import { staffActor, staffHeader } from "./customers.js";

type Msg = { kind: "error" | "success"; text: string };
type Body = Record<string, string | undefined>;

/** Tenant admin pages (role admin; an advisor gets 403): statistics, team, API keys, portal settings. */
export async function staffAdminRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  // onRequest: no body (a multipart logo included) is parsed or validated for a request without a session.
  const page = { onRequest: [auth.requireStaff, auth.requireAdmin] };
  const form = {
    onRequest: [auth.requireStaff, auth.requireAdmin],
    preHandler: [auth.checkOrigin, app.csrfProtection],
  };
  const body = (request: TenantRequest) => (request.body ?? {}) as Body;
  const text = (v: unknown, max = 1000) => (typeof v === "string" ? v.slice(0, max) : "");
  // The tenant cache may be a few seconds old: settings pages read the row itself.
  const freshTenant = async (request: TenantRequest) =>
    (await findTenantBySlug(services.db, request.tenant.slug)) as TenantRow;
  const readiness = (tenant: TenantRow) => ({
    missing: missingPortalDetails(tenant.settings),
    production: services.config.production,
  });

  app.get("/conseiller/admin", page, async (request, reply) => {
    const { tenant } = request;
    const now = new Date();
    const monthStart = parisMonthStart(now);
    const stats = await readTenantStats(services.db, tenant.id, monthStart, now);
    const month = new Intl.DateTimeFormat("fr-FR", {
      month: "long",
      year: "numeric",
      timeZone: "Europe/Paris",
    }).format(now);
    return reply.html(
      <AdminHomePage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        stats={stats}
        month={month}
        readiness={readiness(await freshTenant(request))}
      />,
    );
  });

  async function team(
    request: TenantRequest,
    reply: FastifyReply,
    extra: { link?: { email: string; url: string }; message?: Msg } = {},
  ) {
    const { tenant } = request;
    return reply.html(
      <TeamPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        selfId={request.staff!.id}
        members={await listStaff(services.db, tenant.id)}
        {...extra}
      />,
    );
  }

  app.get<{ Querystring: { message?: string } }>("/conseiller/admin/equipe", page, async (request, reply) =>
    team(request, reply, { message: STAFF_MESSAGES[String(request.query.message ?? "")] }),
  );

  app.post("/conseiller/admin/equipe", form, async (request, reply) => {
    const { tenant } = request;
    const b = body(request);
    try {
      const { staff, token } = await inviteStaff(services.db, {
        tenantId: tenant.id,
        email: text(b.email, 320),
        displayName: text(b.name, 120),
        role: text(b.role, 10),
        actor: staffActor(request),
        ip: request.ip,
      });
      return team(request, reply, {
        link: { email: staff.email, url: enrolmentUrl(services.config.publicBaseUrl, tenant.slug, token) },
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      reply.code(422);
      return team(request, reply, { message: { kind: "error", text: error.message } });
    }
  });

  app.post<{ Params: { id: string } }>(
    "/conseiller/admin/equipe/:id/reinitialiser",
    form,
    async (request, reply) => {
      const { tenant } = request;
      const staffId = parseUuid(request.params.id);
      if (!staffId) return reply.callNotFound();
      try {
        const { staff, token } = await resetStaffTotp(services.db, {
          tenantId: tenant.id,
          staffId,
          actor: staffActor(request),
          ip: request.ip,
        });
        return team(request, reply, {
          link: { email: staff.email, url: enrolmentUrl(services.config.publicBaseUrl, tenant.slug, token) },
        });
      } catch (error) {
        if (error instanceof DomainError && error.code === "staff_not_found") return reply.callNotFound();
        throw error;
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    "/conseiller/admin/equipe/:id/desactiver",
    form,
    async (request, reply) => {
      const staffId = parseUuid(request.params.id);
      if (!staffId) return reply.callNotFound();
      try {
        await disableStaff(services.db, {
          tenantId: request.tenant.id,
          staffId,
          actor: staffActor(request),
          ip: request.ip,
        });
      } catch (error) {
        if (error instanceof DomainError && error.code === "staff_not_found") return reply.callNotFound();
        if (error instanceof DomainError)
          return team(request, reply, { message: { kind: "error", text: error.message } });
        throw error;
      }
      return reply.redirect("/conseiller/admin/equipe?message=staff-disabled", 303);
    },
  );

  async function keys(
    request: TenantRequest,
    reply: FastifyReply,
    extra: { created?: { key: string; prefix: string }; message?: Msg } = {},
  ) {
    const { tenant } = request;
    return reply.html(
      <ApiKeysPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        keys={await listApiKeys({ db: services.db, tenantId: tenant.id })}
        {...extra}
      />,
    );
  }
  const keyActor = (request: TenantRequest) => ({ type: "staff" as const, id: request.staff!.id });

  app.get<{ Querystring: { message?: string } }>("/conseiller/admin/cles", page, async (request, reply) =>
    keys(request, reply, { message: STAFF_MESSAGES[String(request.query.message ?? "")] }),
  );
  app.post("/conseiller/admin/cles", form, async (request, reply) => {
    try {
      const { key, apiKey } = await createApiKey({
        db: services.db,
        tenantId: request.tenant.id,
        label: text(body(request).label, 200),
        actor: keyActor(request),
      });
      reply.header("cache-control", "no-store");
      return keys(request, reply, { created: { key, prefix: apiKey.prefix } });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      reply.code(422);
      return keys(request, reply, {
        message: {
          kind: "error",
          text: "Le libellé compte 100 caractères au plus, sans caractère de contrôle.",
        },
      });
    }
  });
  app.post<{ Params: { prefix: string } }>(
    "/conseiller/admin/cles/:prefix/revoquer",
    form,
    async (request, reply) => {
      try {
        await revokeApiKey({
          db: services.db,
          tenantId: request.tenant.id,
          prefix: request.params.prefix.slice(0, 64),
          actor: keyActor(request),
        });
      } catch (error) {
        if (error instanceof DomainError && error.code === "api_key_not_found") return reply.callNotFound();
        throw error;
      }
      return reply.redirect("/conseiller/admin/cles?message=key-revoked", 303);
    },
  );

  async function settings(
    request: TenantRequest,
    reply: FastifyReply,
    extra: {
      message?: Msg;
      faq?: string;
      preview?: boolean;
      /** A refused legal or contact form: shown again as typed, not as stored. */
      legal?: Partial<LegalDetails>;
      contact?: Partial<ContactDetails>;
    } = {},
  ) {
    const tenant = await freshTenant(request);
    const s = tenant.settings as {
      faqMarkdown?: string;
      legal?: Partial<LegalDetails>;
      contact?: Partial<ContactDetails>;
    };
    const faq = extra.faq ?? s.faqMarkdown ?? "";
    return reply.html(
      <PortalSettingsPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        tenant={{
          displayName: tenant.displayName,
          primaryColor: tenant.primaryColor,
          retentionMonths: tenant.retentionMonths,
          defaultProcessingRule: tenant.defaultProcessingRule,
          faqMarkdown: faq,
          legal: extra.legal ?? s.legal ?? {},
          contact: extra.contact ?? s.contact ?? {},
        }}
        readiness={readiness(tenant)}
        safeFaqPreviewHtml={extra.preview ? renderFaqMarkdown(faq) : undefined}
        message={extra.message}
        sellers={await listSellerIdentities(services.db, tenant.id)}
      />,
    );
  }
  const settingsError = (
    request: TenantRequest,
    reply: FastifyReply,
    error: unknown,
    typed: { legal?: Partial<LegalDetails>; contact?: Partial<ContactDetails> } = {},
  ) => {
    if (!(error instanceof DomainError)) throw error;
    reply.code(422);
    return settings(request, reply, { message: { kind: "error", text: error.message }, ...typed });
  };

  app.get<{ Querystring: { message?: string } }>("/conseiller/admin/portail", page, async (request, reply) =>
    settings(request, reply, { message: STAFF_MESSAGES[String(request.query.message ?? "")] }),
  );
  /** Saves one section of the portal page: back to the page with its message, or the form again (422) as typed. */
  const saveSettings = async (
    request: TenantRequest,
    reply: FastifyReply,
    save: (by: { tenantId: string; actor: StaffActor; ip: string }) => Promise<unknown>,
    saved: string,
    typed: { legal?: Partial<LegalDetails>; contact?: Partial<ContactDetails> } = {},
  ) => {
    try {
      await save({ tenantId: request.tenant.id, actor: staffActor(request), ip: request.ip });
    } catch (error) {
      return settingsError(request, reply, error, typed);
    }
    return reply.redirect(`/conseiller/admin/portail?message=${saved}`, 303);
  };
  app.post("/conseiller/admin/portail/conservation", form, async (request, reply) => {
    const months = text(body(request).months, 10);
    return saveSettings(
      request,
      reply,
      (by) => updateRetention(services.db, { ...by, months }),
      "retention-saved",
    );
  });
  app.post("/conseiller/admin/portail/route", form, async (request, reply) => {
    const rule = text(body(request).processingRule, 20);
    return saveSettings(
      request,
      reply,
      (by) => updateDefaultProcessingRule(services.db, { ...by, rule }),
      "route-saved",
    );
  });
  app.post("/conseiller/admin/portail/faq", form, async (request, reply) => {
    const b = body(request);
    const faq = text(b.faq, 40_000);
    if (b.intent === "preview") return settings(request, reply, { faq, preview: true });
    return saveSettings(
      request,
      reply,
      (by) => updateFaq(services.db, { ...by, markdown: faq }),
      "faq-saved",
    );
  });
  app.post("/conseiller/admin/portail/mentions", form, async (request, reply) => {
    const b = body(request);
    const legal = Object.fromEntries(LEGAL_FIELDS.map((k) => [k, text(b[k])])) as Partial<LegalDetails>;
    return saveSettings(request, reply, (by) => updateLegal(services.db, { ...by, legal }), "legal-saved", {
      legal,
    });
  });
  app.post("/conseiller/admin/portail/contact", form, async (request, reply) => {
    const b = body(request);
    const contact = Object.fromEntries(CONTACT_FIELDS.map((k) => [k, text(b[k])])) as Partial<ContactDetails>;
    const save = (by: { tenantId: string; actor: StaffActor; ip: string }) =>
      updateContact(services.db, { ...by, contact });
    return saveSettings(request, reply, save, "contact-saved", { contact });
  });

  // Issue #13 item 8: the seller identities the portal publishes for (section of the portal page).
  // The domain's messages are English (the CLI shares them): the back office says it in French.
  const sellerError = (request: TenantRequest, reply: FastifyReply, error: unknown) =>
    settingsError(
      request,
      reply,
      error instanceof DomainError && error.code === "invalid_seller_identity"
        ? new DomainError(
            error.code,
            `« ${text(body(request).value, 40)} » n’est ni un SIREN (9 chiffres dont la clé est vérifiée) ni un numéro de TVA (FR, la clé à 2 chiffres puis le SIREN ; ou un numéro européen). Pour un SIRET, saisissez ses 9 premiers chiffres.`,
          )
        : error instanceof DomainError && error.code === "seller_identity_not_found"
          ? new DomainError(error.code, "Ce vendeur n’est pas (ou plus) dans la liste.")
          : error,
    );
  const sellerActor = (request: TenantRequest) => ({
    type: "staff" as const,
    id: request.staff!.id,
    ip: request.ip,
  });
  app.post("/conseiller/admin/portail/vendeurs", form, async (request, reply) => {
    try {
      await addSellerIdentity(services.db, {
        tenantId: request.tenant.id,
        value: text(body(request).value, 40),
        actor: sellerActor(request),
      });
    } catch (error) {
      return sellerError(request, reply, error);
    }
    return reply.redirect("/conseiller/admin/portail?message=seller-added#h-sellers", 303);
  });
  app.post("/conseiller/admin/portail/vendeurs/retirer", form, async (request, reply) => {
    try {
      await removeSellerIdentity(services.db, {
        tenantId: request.tenant.id,
        value: text(body(request).value, 40),
        actor: sellerActor(request),
      });
    } catch (error) {
      return sellerError(request, reply, error);
    }
    return reply.redirect("/conseiller/admin/portail?message=seller-removed#h-sellers", 303);
  });

  // The only multipart form (the logo): parsed in its own context, fields attached to the body so the CSRF check reads them.
  // The child inherits the tenant scope's onRequest hook, so `request.tenant` is set here too (types say FastifyRequest).
  await app.register(async (instance) => {
    const child = instance as unknown as TenantScope;
    await child.register(fastifyMultipart, {
      attachFieldsToBody: "keyValues",
      limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 10, fieldSize: 4096 },
    });
    child.setErrorHandler(async (error, plain, reply) => {
      const request = plain as TenantRequest;
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 413 || (error as { code?: string }).code === "FST_REQ_FILE_TOO_LARGE")
        return settingsError(
          request,
          reply,
          new DomainError("invalid_logo", "Le logo ne peut pas dépasser 512 Ko."),
        );
      if (error instanceof DomainError) return settingsError(request, reply, error);
      throw error;
    });
    child.post("/conseiller/admin/portail/apparence", form, async (request, reply) => {
      const b = (request.body ?? {}) as Record<string, unknown>;
      const logo = b.logo instanceof Buffer ? new Uint8Array(b.logo) : undefined;
      try {
        await updateBranding(services, {
          tenantId: request.tenant.id,
          displayName: text(b.displayName, 200),
          primaryColor: text(b.primaryColor, 20),
          logo,
          actor: staffActor(request),
          ip: request.ip,
        });
      } catch (error) {
        return settingsError(request, reply, error);
      }
      return reply.redirect("/conseiller/admin/portail?message=branding-saved", 303);
    });
  });
}
