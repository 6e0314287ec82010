import { FastifyInstance } from "fastify";
import { iso } from "../clock";
import { Ctx } from "../context";
import { conflict, legacyInvalid } from "../errors";
import { hashSecret, newGrafanaKey } from "../secrets";
import { requireActive, requireLiveStack } from "../stackModel";
import { GrafanaRole, StackKeyRecord } from "../store";
import { isObject } from "../validation";

/**
 * Hosted Grafana API keys. Only creation goes through the Cloud API (grafana-cloud-api.md,
 * "Create Hosted Grafana instance API keys"); listing and deleting happen on the stack's own
 * URL (see stackUrl.ts).
 */

const ROLES: readonly GrafanaRole[] = ["Viewer", "Editor", "Admin"];

export function keyView(k: StackKeyRecord): Record<string, unknown> {
  // Grafana leaves `expiration` out for keys that never expire.
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    ...(k.expiresAt === null ? {} : { expiration: iso(k.expiresAt) }),
  };
}

export function registerStackKeys(app: FastifyInstance, ctx: Ctx): void {
  app.post<{ Params: { idOrSlug: string } }>(
    "/api/instances/:idOrSlug/api/auth/keys",
    { config: { scope: "stack-service-accounts:write" } },
    async (req) => {
      const stack = requireLiveStack(ctx, req.params.idOrSlug);
      const body = req.body;
      if (!isObject(body)) throw legacyInvalid("Invalid request body: must be a JSON object");
      if (typeof body.name !== "string" || body.name.trim() === "")
        throw legacyInvalid("Field is required: name");
      if (typeof body.role !== "string" || !ROLES.includes(body.role as GrafanaRole)) {
        throw legacyInvalid(
          `Invalid role ${String(body.role)} specified: must be one of ${ROLES.join(", ")}`,
        );
      }
      const ttl = body.secondsToLive;
      if (
        ttl !== undefined &&
        ttl !== null &&
        (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0)
      ) {
        throw legacyInvalid("Invalid secondsToLive: must be a non-negative integer");
      }
      // The call is proxied to the stack's Grafana, which must be up.
      requireActive(ctx, stack);
      // Grafana keeps expired keys, so their names stay taken until deleted.
      if (ctx.state.stackKeys.some((k) => k.stackId === stack.id && k.name === body.name)) {
        throw conflict(`An API key named ${JSON.stringify(body.name)} already exists on stack ${stack.slug}`);
      }
      const now = ctx.now();
      const key = newGrafanaKey(body.name, ctx.opts.org.id);
      const record: StackKeyRecord = {
        id: stack.nextKeyId,
        stackId: stack.id,
        name: body.name,
        role: body.role as GrafanaRole,
        // null, 0 or absent: the key does not expire.
        expiresAt: typeof ttl === "number" && ttl > 0 ? now + ttl * 1000 : null,
        createdAt: now,
        secretHash: hashSecret(key),
      };
      stack.nextKeyId += 1;
      ctx.state.stackKeys.push(record);
      ctx.save();
      return { id: record.id, name: record.name, key };
    },
  );
}
