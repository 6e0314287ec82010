/**
 * Helpers for the api layer's response schemas. The schemas follow the contract's lenient side:
 * they require what the contract marks required, and beyond it only what the provider cannot
 * work without, which `needed` marks with the reason (an answer without it fails with a message
 * that names the field and says why it matters).
 */
import { z } from "zod";

/** zod `error` option for a field the provider needs: says it is missing, and what for. */
export function needed(why: string): { error: (issue: { input?: unknown; expected?: unknown }) => string } {
  return {
    error: (issue) =>
      issue.input === undefined || issue.input === null
        ? `is missing; ${why}`
        : `must be a ${String(issue.expected ?? "value")} (${why})`,
  };
}

/**
 * Labels as a stack answer carries them: the contract leaves the value type open, so scalar
 * values are kept as their text and anything else (or labels that are not an object) is dropped
 * rather than failing the call.
 */
export const labelsSchema = z
  .unknown()
  .transform((labels): Record<string, string> | undefined => {
    if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return undefined;
    // Read by hand, not with z.record: that drops a `__proto__` key, and fromEntries defines own
    // properties, so even such a key stays a plain label.
    return Object.fromEntries(
      Object.entries(labels)
        .filter(([, v]) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")
        .map(([k, v]) => [k, String(v)]),
    );
  })
  // Without this, zod counts a transformed key as required in its object.
  .optional();
