import type { Database } from "../../src/db/database.js";

/** Legal details and a contact block that make a portal complete (README, « Mentions légales et contact »). */
export const COMPLETE_LEGAL = {
  companyName: "Acme Location SAS",
  address: "1 rue A, 75001 Paris",
  siren: "443061841",
  contactEmail: "contact@acme.test",
  dpoEmail: "dpo@acme.test",
  publisherName: "Anne Admin",
  hostName: "Hébergeur Test SAS",
  hostAddress: "2 rue B, 59100 Roubaix",
  hostPhone: "",
};
export const COMPLETE_CONTACT = {
  phone: "01 23 45 67 89",
  hours: "Du lundi au vendredi, de 9 h à 18 h",
  address: "Acme – Service client\nTSA 1\n75001 Paris",
  email: "service@acme.test",
  formUrl: "https://acme.test/contact",
};

/** A production portal stays closed until these are set: tests that use one in production set them first. */
export async function completePortalDetails(db: Database, tenantId: string): Promise<void> {
  await db.query("update tenants set settings = settings || $2::jsonb where id = $1", [
    tenantId,
    JSON.stringify({ legal: COMPLETE_LEGAL, contact: COMPLETE_CONTACT }),
  ]);
}
