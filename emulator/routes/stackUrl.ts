import type { FastifyInstance } from "fastify";
import type { Ctx } from "../context";
import { raw } from "../errors";
import {
  GRAFANA_VERSION,
  Stack,
  findStack,
  isGone,
  requireActive,
  setStackStatus,
  stackStatus,
} from "../model/stack";
import { deleteKey, keyView, listKeys, requireAdminKey } from "../model/stackKey";
import { queryValue } from "../validation";

/**
 * Each stack's own URL, `${url}/grafana/<slug>`, answers like a hosted Grafana: 503 Loading
 * while the stack starts, `/api/health`, `/login`, and the API key list/delete endpoints that
 * take an Admin API key of that stack. These are Grafana's answers, not the Cloud API's, so their
 * errors are answered as they are in both modes.
 */

type BySlug = { Params: { slug: string } };

function liveStack(ctx: Ctx, slug: string): Stack {
  const s = findStack(ctx, slug);
  if (s === undefined || isGone(s) || s.slug !== slug)
    throw raw(404, "NotFound", `No stack at /grafana/${slug}`);
  return s;
}

function bearerOf(authorization: string | undefined): string {
  return /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim() ?? "";
}

export function registerStackUrl(app: FastifyInstance, ctx: Ctx): void {
  const grafana = { config: { op: "stackUrl" as const } };

  /** The stack, once it runs; Grafana answers 503 Loading with Retry-After until then. */
  const running = (slug: string): Stack => {
    const stack = liveStack(ctx, slug);
    requireActive(ctx, stack);
    return stack;
  };

  app.get<BySlug>("/grafana/:slug/api/health", grafana, async (req) => {
    running(req.params.slug);
    return { commit: "emulator", database: "ok", version: GRAFANA_VERSION };
  });

  // Opening the login page wakes a paused stack.
  app.get<BySlug>("/grafana/:slug/login", grafana, async (req) => {
    const found = liveStack(ctx, req.params.slug);
    if (stackStatus(found, ctx.now()) === "paused") setStackStatus(ctx, found, null);
    const stack = running(req.params.slug);
    return { page: "login", stack: stack.slug, version: GRAFANA_VERSION };
  });

  app.get<BySlug>("/grafana/:slug/api/auth/keys", grafana, async (req) => {
    const stack = running(req.params.slug);
    requireAdminKey(ctx, stack, bearerOf(req.headers.authorization));
    return listKeys(ctx, stack, queryValue(req.query, "includeExpired") === "true").map(keyView);
  });

  app.delete<{ Params: { slug: string; id: string } }>(
    "/grafana/:slug/api/auth/keys/:id",
    grafana,
    async (req) => {
      const stack = running(req.params.slug);
      requireAdminKey(ctx, stack, bearerOf(req.headers.authorization));
      deleteKey(ctx, stack, Number(req.params.id));
      return { message: "API key deleted" };
    },
  );

  // Anything else on a stack URL: the stack is loading, or this emulator does not serve it.
  app.all<BySlug>("/grafana/:slug/*", grafana, async (req) => {
    running(req.params.slug);
    throw raw(404, "NotFound", `${req.method} ${req.url} is not served by the emulator's hosted Grafana`);
  });
}
