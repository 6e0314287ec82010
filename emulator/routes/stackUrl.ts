import { FastifyInstance, FastifyRequest } from "fastify";
import { Ctx } from "../context";
import { ApiError, notFound } from "../errors";
import { findStack, isGone, requireActive } from "../stackModel";
import { hashSecret } from "../secrets";
import { StackRecord } from "../store";
import { queryValue } from "../validation";
import { keyView } from "./stackKeys";

/**
 * Each stack's own URL, `${url}/grafana/<slug>`, answers like a hosted Grafana
 * (real-api-behaviour.md, "Stacks" and "Hosted Grafana instance API keys"): 503 Loading while
 * the stack starts, `/api/health`, `/login`, and the API key list/delete endpoints that take an
 * Admin API key of that stack.
 */

const GRAFANA_VERSION = "11.5.0";

function liveStack(ctx: Ctx, slug: string): StackRecord {
  const s = findStack(ctx, slug);
  if (s === undefined || isGone(s) || s.slug !== slug) throw notFound(`No stack at /grafana/${slug}`);
  return s;
}

function requireAdminKey(ctx: Ctx, stack: StackRecord, req: FastifyRequest): void {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  const bearer = match?.[1]?.trim() ?? "";
  const hash = hashSecret(bearer);
  const now = ctx.now();
  const key = ctx.state.stackKeys.find((k) => k.stackId === stack.id && k.secretHash === hash);
  if (key === undefined || (key.expiresAt !== null && key.expiresAt <= now)) {
    throw new ApiError(401, "Unauthorized", "Invalid API key");
  }
  if (key.role !== "Admin") throw new ApiError(401, "Unauthorized", "API key is not an Admin key");
}

export function registerStackUrl(app: FastifyInstance, ctx: Ctx): void {
  app.get<{ Params: { slug: string } }>("/grafana/:slug/api/health", async (req) => {
    const stack = liveStack(ctx, req.params.slug);
    requireActive(ctx, stack);
    return { commit: "emulator", database: "ok", version: GRAFANA_VERSION };
  });

  app.get<{ Params: { slug: string } }>("/grafana/:slug/login", async (req) => {
    const stack = liveStack(ctx, req.params.slug);
    requireActive(ctx, stack);
    return { page: "login", stack: stack.slug, version: GRAFANA_VERSION };
  });

  app.get<{ Params: { slug: string } }>("/grafana/:slug/api/auth/keys", async (req) => {
    const stack = liveStack(ctx, req.params.slug);
    requireActive(ctx, stack);
    requireAdminKey(ctx, stack, req);
    const includeExpired = queryValue(req.query, "includeExpired") === "true";
    const now = ctx.now();
    return ctx.state.stackKeys
      .filter((k) => k.stackId === stack.id && (includeExpired || k.expiresAt === null || k.expiresAt > now))
      .sort((a, b) => a.id - b.id)
      .map(keyView);
  });

  app.delete<{ Params: { slug: string; id: string } }>("/grafana/:slug/api/auth/keys/:id", async (req) => {
    const stack = liveStack(ctx, req.params.slug);
    requireActive(ctx, stack);
    requireAdminKey(ctx, stack, req);
    const id = Number(req.params.id);
    const key = ctx.state.stackKeys.find((k) => k.stackId === stack.id && k.id === id);
    if (key === undefined) throw notFound("API key not found");
    ctx.state.stackKeys = ctx.state.stackKeys.filter((k) => k !== key);
    ctx.save();
    return { message: "API key deleted" };
  });

  // Anything else on a stack URL: the stack is loading, or this emulator does not serve it.
  app.all<{ Params: { slug: string } }>("/grafana/:slug/*", async (req) => {
    const stack = liveStack(ctx, req.params.slug);
    requireActive(ctx, stack);
    throw notFound(`${req.method} ${req.url} is not served by the emulator's hosted Grafana`);
  });
}
