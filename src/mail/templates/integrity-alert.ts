import type { IntegrityAlertParams } from "../../domain/mail/mail-request.js";
import { type MailContext, type RenderedMail, renderMail } from "./layout.js";

/** To the platform operator (OPERATOR_EMAIL): an altered or missing original, or a broken audit chain. */
export function integrityAlertMail(context: MailContext, params: IntegrityAlertParams): RenderedMail {
  const { lines } = params;
  if (context.language === "en") {
    return renderMail(
      context,
      params.source === "download"
        ? "E-FACTURE integrity alert: a stored invoice file was refused"
        : "E-FACTURE integrity alert: the nightly verification failed",
      [
        { p: `Found on ${params.at} (UTC):` },
        ...lines.map((line) => ({ p: line })),
        {
          p: "Nothing altered was served. Run `efacture audit verify` for the full report, restore the file from backup (its SHA-256 must match) or investigate the audit trail.",
        },
      ],
      "E-FACTURE · operator alert",
    );
  }
  return renderMail(
    context,
    params.source === "download"
      ? "Alerte d’intégrité E-FACTURE : un fichier de facture a été refusé"
      : "Alerte d’intégrité E-FACTURE : la vérification nocturne a échoué",
    [
      { p: `Constaté le ${params.at} (UTC) :` },
      ...lines.map((line) => ({ p: line })),
      {
        p: "Aucun fichier altéré n’a été servi. Lancez « efacture audit verify » pour le rapport complet, restaurez le fichier depuis la sauvegarde (son SHA-256 doit correspondre) ou examinez la piste d’audit.",
      },
    ],
    "E-FACTURE · alerte exploitation",
  );
}
