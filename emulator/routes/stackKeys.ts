import type { FastifyInstance } from "fastify";
import type { Ctx } from "../context";
import { requireLiveStack } from "../model/stack";
import { createKey, parseKeyCreate, requireKeyRoute } from "../model/stackKey";

/**
 * `POST /instances/{stack}/api/auth/keys`: hosted Grafana API keys, created through the Cloud API.
 * With API keys removed (the default) it answers 404 on a running stack.
 */
export function registerStackKeys(app: FastifyInstance, ctx: Ctx): void {
  app.post<{ Params: { idOrSlug: string } }>(
    "/api/instances/:idOrSlug/api/auth/keys",
    { config: { op: "postInstanceApiKeys", scope: "stack-service-accounts:write" } },
    async (req) => {
      const stack = requireLiveStack(ctx, req.params.idOrSlug);
      requireKeyRoute(ctx, stack);
      return createKey(ctx, stack, parseKeyCreate(req.body));
    },
  );
}
