import type { ApiTransmission } from "../../../db/api.queries.js";

// The `transmission` field of an invoice in the issuer API (issue #16 item 3, docs/pa-bridge.md).

/** The API's view of a transmission: null when the invoice does not go to the PA (not a B2B route). */
export function presentTransmission(row: ApiTransmission | null) {
  if (!row) return null;
  return {
    status: row.status,
    holdReason: row.holdReason,
    flowId: row.flowId,
    submittedAt: row.submittedAt ? new Date(row.submittedAt).toISOString() : null,
    ackStatus: row.ackStatus,
    reasons: (Array.isArray(row.reasons) ? row.reasons : []).map((r) => {
      const reason = (r ?? {}) as Record<string, unknown>;
      return {
        level: String(reason.level ?? "Error"),
        item: String(reason.item ?? ""),
        reasonCode: String(reason.reasonCode ?? ""),
        reasonMessage: String(reason.reasonMessage ?? ""),
      };
    }),
  };
}

export const transmissionSchema = {
  type: ["object", "null"],
  description:
    "The invoice's way to the issuer's plateforme agréée (AFNOR XP Z12-013 Flow API); null when its route is not B2B. held: waiting (holdReason: validation_failed, validation_pending, no_connection); queued: being sent; submitted: the PA has the flow (flowId), acknowledgement pending; acknowledged: the PA accepted it (ackStatus Ok); rejected: the PA refused it (ackStatus Error, or its request refused), with reasons.",
  required: ["status", "holdReason", "flowId", "submittedAt", "ackStatus", "reasons"],
  properties: {
    status: { type: "string", enum: ["held", "queued", "submitted", "acknowledged", "rejected"] },
    holdReason: {
      type: ["string", "null"],
      enum: ["validation_failed", "validation_pending", "no_connection", null],
    },
    flowId: { type: ["string", "null"], description: "the PA's flow id" },
    submittedAt: {
      type: ["string", "null"],
      format: "date-time",
      description: "when the PA received the flow",
    },
    ackStatus: { type: ["string", "null"], enum: ["Pending", "Ok", "Error", null] },
    reasons: {
      type: "array",
      items: {
        type: "object",
        required: ["level", "item", "reasonCode", "reasonMessage"],
        properties: {
          level: { type: "string", enum: ["Error", "Warning"] },
          item: { type: "string" },
          reasonCode: { type: "string" },
          reasonMessage: { type: "string" },
        },
      },
    },
  },
} as const;
