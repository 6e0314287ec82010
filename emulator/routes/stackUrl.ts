import type { FastifyInstance } from "fastify";
import type { Ctx } from "../context";
import { raw } from "../errors";
import { searchServiceAccounts, serviceAccountView } from "../model/serviceAccount";
import {
  Stack,
  findStack,
  grafanaVersion,
  isGone,
  requireActive,
  setStackStatus,
  stackStatus,
} from "../model/stack";
import { authenticateOnStack, requireRole } from "../model/stackAuth";
import { apiKeysServed, deleteKey, keyView, listKeys, removedRoute } from "../model/stackKey";
import { queryValue } from "../validation";

/**
 * Each stack's own URL, `${url}/grafana/<slug>`, answers like a hosted Grafana: 503 Loading
 * while the stack starts, `/api/health`, `/login`, and a few API routes that take a credential of
 * that stack (a service-account token, or an API key while the stack still has them) and check
 * its role: `/api/org` (Viewer), `/api/serviceaccounts/search` (Admin), and, while the stack has
 * API keys, `/api/auth/keys` (Admin; 404 once Grafana removed them). These are Grafana's answers,
 * not the Cloud API's, so their errors are answered as they are in both modes.
 */

type BySlug = { Params: { slug: string } };

function liveStack(ctx: Ctx, slug: string): Stack {
  const s = findStack(ctx, slug);
  if (s === undefined || isGone(s) || s.slug !== slug)
    throw raw(404, "NotFound", `No stack at /grafana/${slug}`);
  return s;
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
    return { commit: "emulator", database: "ok", version: grafanaVersion(ctx) };
  });

  // Opening the login page wakes a paused stack.
  app.get<BySlug>("/grafana/:slug/login", grafana, async (req) => {
    const found = liveStack(ctx, req.params.slug);
    if (stackStatus(found, ctx.now()) === "paused") setStackStatus(ctx, found, null);
    const stack = running(req.params.slug);
    return { page: "login", stack: stack.slug, version: grafanaVersion(ctx) };
  });

  app.get<BySlug>("/grafana/:slug/api/org", grafana, async (req) => {
    const stack = running(req.params.slug);
    requireRole(authenticateOnStack(ctx, stack, req.headers.authorization), "Viewer", "orgs:read");
    return { id: ctx.opts.org.id, name: ctx.opts.org.name };
  });

  app.get<BySlug>("/grafana/:slug/api/serviceaccounts/search", grafana, async (req) => {
    const stack = running(req.params.slug);
    requireRole(authenticateOnStack(ctx, stack, req.headers.authorization), "Admin", "serviceaccounts:read");
    const page = searchServiceAccounts(ctx, stack, req.query);
    return { ...page, serviceAccounts: page.serviceAccounts.map((sa) => serviceAccountView(ctx, sa)) };
  });

  /** A route of the key API: 404 once Grafana removed API keys, else Admin only. */
  const keyRoute = (slug: string, authorization: string | undefined, action: string): Stack => {
    const stack = running(slug);
    if (!apiKeysServed(ctx)) throw removedRoute();
    requireRole(authenticateOnStack(ctx, stack, authorization), "Admin", action);
    return stack;
  };

  app.get<BySlug>("/grafana/:slug/api/auth/keys", grafana, async (req) => {
    const stack = keyRoute(req.params.slug, req.headers.authorization, "apikeys:read");
    return listKeys(ctx, stack, queryValue(req.query, "includeExpired") === "true").map(keyView);
  });

  app.delete<{ Params: { slug: string; id: string } }>(
    "/grafana/:slug/api/auth/keys/:id",
    grafana,
    async (req) => {
      const stack = keyRoute(req.params.slug, req.headers.authorization, "apikeys:delete");
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
