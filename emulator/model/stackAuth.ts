import type { Ctx } from "../context";
import { raw } from "../errors";
import { hashSecret } from "../secrets";
import type { Stack } from "./stack";
import { recordTokenUse, tokenBySecretOnStack, type ServiceAccountRole } from "./serviceAccount";

/**
 * Who a request to a stack's own URL is, as its Grafana decides: a service-account token of that
 * stack (with its account's role), or, while the stack's Grafana still has them, an API key of
 * that stack (with the key's role). These are Grafana's answers, not the Cloud API's.
 */

export interface StackPrincipal {
  kind: "serviceAccount" | "apiKey";
  role: ServiceAccountRole;
}

const RANK: Readonly<Record<ServiceAccountRole, number>> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

const INVALID = "Invalid API key";
const EXPIRED = "Expired API key";

function bearerOf(authorization: string | undefined): string {
  return /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim() ?? "";
}

export function authenticateOnStack(
  ctx: Ctx,
  stack: Stack,
  authorization: string | undefined,
): StackPrincipal {
  const bearer = bearerOf(authorization);
  if (bearer === "") throw raw(401, "Unauthorized", INVALID);
  const now = ctx.now();
  const found = tokenBySecretOnStack(ctx, stack, bearer);
  if (found !== undefined) {
    const { token, account } = found;
    if (account === undefined) throw raw(401, "Unauthorized", INVALID);
    if (token.expiresAt !== null && token.expiresAt <= now) throw raw(401, "Unauthorized", EXPIRED);
    if (account.isDisabled) throw raw(401, "Unauthorized", "Disabled service account");
    recordTokenUse(ctx, token);
    return { kind: "serviceAccount", role: account.role };
  }
  // Grafana 12.1 removed API keys: they no longer authenticate (Grafana migrated them to
  // service-account tokens beforehand).
  if (ctx.opts.stackApiKeys === "legacy") {
    const hash = hashSecret(bearer);
    const key = ctx.state.stackKeys.find((k) => k.stackId === stack.id && k.secretHash === hash);
    if (key !== undefined) {
      if (key.expiresAt !== null && key.expiresAt <= now) throw raw(401, "Unauthorized", EXPIRED);
      return { kind: "apiKey", role: key.role };
    }
  }
  throw raw(401, "Unauthorized", INVALID);
}

/** 403 unless the principal's role is at least `min`; `action` names the permission, as Grafana does. */
export function requireRole(p: StackPrincipal, min: ServiceAccountRole, action: string): void {
  if (RANK[p.role] >= RANK[min]) return;
  throw raw(
    403,
    "Forbidden",
    `You'll need additional permissions to perform this action. Permissions needed: ${action}`,
  );
}
