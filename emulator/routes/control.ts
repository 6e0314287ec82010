import type { FastifyInstance } from "fastify";
import { iso, isoOrNull } from "../clock";
import type { Ctx } from "../context";
import { badControlRequest, raw } from "../errors";
import { policyView } from "../model/accessPolicy";
import { latestVersion, releaseVersion } from "../model/catalog";
import {
  STACK_STATUSES,
  StackStatus,
  findStack,
  setStackStatus,
  stackStatus,
  stackView,
} from "../model/stack";
import { liveTokens, tokenView } from "../model/token";
import { isObject, parseTime } from "../validation";

/**
 * Control endpoints under `/_emulator/` for tests, benchmarks and the curious. They need no
 * auth, see no faults or latency, and are not written to the request log.
 */
export function registerControl(app: FastifyInstance, ctx: Ctx): void {
  app.get("/_emulator/requests", async () => ctx.log.list());
  app.delete("/_emulator/requests", async () => {
    ctx.log.clear();
    return { cleared: true };
  });

  app.get("/_emulator/faults", async () => ctx.faults.list());
  app.post("/_emulator/faults", async (req) => {
    const ids = ctx.faults.add(req.body);
    return Array.isArray(req.body) ? { ids } : { id: ids[0], ids };
  });
  app.delete("/_emulator/faults", async () => {
    ctx.faults.clear();
    return { cleared: true };
  });

  app.post("/_emulator/reset", async () => {
    ctx.reset();
    return { reset: true };
  });

  app.get("/_emulator/clock", async () => ({ now: iso(ctx.now()) }));
  app.post("/_emulator/clock", async (req) => {
    const body = req.body;
    if (!isObject(body)) throw badControlRequest("body must be {advanceSeconds} or {now}");
    if (typeof body.advanceSeconds === "number" && Number.isFinite(body.advanceSeconds)) {
      ctx.clock.advance(body.advanceSeconds * 1000);
    } else if (body.now !== undefined) {
      const ms = parseTime(body.now);
      if (ms === undefined) throw badControlRequest("now: must be an RFC 3339 time");
      ctx.clock.set(ms);
    } else {
      throw badControlRequest("body must be {advanceSeconds} or {now}");
    }
    return { now: iso(ctx.now()) };
  });
  app.delete("/_emulator/clock", async () => {
    ctx.clock.reset();
    return { now: iso(ctx.now()) };
  });

  // Publishes a newer catalog version, so tests can show that `latest` is not drift.
  app.post("/_emulator/plugins/release", async (req) => {
    const body = req.body;
    if (!isObject(body) || typeof body.plugin !== "string" || typeof body.version !== "string") {
      throw badControlRequest("body must be {plugin, version, name?}");
    }
    if (!/^\d+(\.\d+)*(-[0-9A-Za-z.-]+)?$/.test(body.version)) {
      throw badControlRequest("version: must be like 1.2.3");
    }
    const name = typeof body.name === "string" ? body.name : undefined;
    const entry = releaseVersion(ctx, body.plugin, body.version, name);
    return {
      plugin: body.plugin,
      name: entry.name,
      versions: entry.versions,
      latestVersion: latestVersion(entry),
    };
  });

  /**
   * Sets a stack's status to any of the service's 14 (`{status: "paused"}`), or back to the one
   * its lifecycle gives (`{status: null}` or DELETE), so tests can show what clients do with a
   * paused, suspended, archived or migrating stack. A deleted stack stays deleted.
   */
  type StatusBody = { Params: { slug: string } };
  const setStatus = (slug: string, status: StackStatus | null) => {
    const stack = findStack(ctx, slug);
    if (stack === undefined) throw raw(404, "NotFound", `no stack ${slug}`);
    const updated = setStackStatus(ctx, stack, status);
    return { slug: updated.slug, status: stackStatus(updated, ctx.now()) };
  };
  app.post<StatusBody>("/_emulator/stacks/:slug/status", async (req) => {
    const body = req.body;
    const status = isObject(body) ? body.status : undefined;
    if (status !== null && !(STACK_STATUSES as readonly unknown[]).includes(status)) {
      throw badControlRequest(`status: must be null or one of ${STACK_STATUSES.join(", ")}`);
    }
    return setStatus(req.params.slug, status as StackStatus | null);
  });
  app.delete<StatusBody>("/_emulator/stacks/:slug/status", async (req) => setStatus(req.params.slug, null));

  // Every object, secrets left out (they are stored only as hashes anyway).
  app.get("/_emulator/state", async () => {
    const s = ctx.state;
    const slugOf = (id: number) => s.stacks.find((x) => x.id === id)?.slug ?? null;
    return {
      now: iso(ctx.now()),
      stacks: s.stacks.map((x) => stackView(ctx, x)),
      accessPolicies: s.policies.map((p) => ({ ...policyView(ctx, p), region: p.region })),
      tokens: liveTokens(ctx).map((t) => ({ ...tokenView(ctx, t), region: t.region })),
      plugins: s.plugins.map((p) => ({
        id: p.id,
        stackId: p.stackId,
        stackSlug: slugOf(p.stackId),
        plugin: p.plugin,
        version: p.version,
        createdAt: iso(p.createdAt),
        updatedAt: isoOrNull(p.updatedAt),
      })),
      stackApiKeys: s.stackKeys.map((k) => ({
        id: k.id,
        stackId: k.stackId,
        stackSlug: slugOf(k.stackId),
        name: k.name,
        role: k.role,
        expiration: isoOrNull(k.expiresAt),
        createdAt: iso(k.createdAt),
      })),
      serviceAccounts: s.serviceAccounts.map((a) => ({
        id: a.id,
        stackId: a.stackId,
        stackSlug: slugOf(a.stackId),
        name: a.name,
        login: a.login,
        role: a.role,
        isDisabled: a.isDisabled,
        createdAt: iso(a.createdAt),
      })),
      serviceAccountTokens: s.serviceAccountTokens.map((t) => ({
        id: t.id,
        stackId: t.stackId,
        stackSlug: slugOf(t.stackId),
        serviceAccountId: t.serviceAccountId,
        name: t.name,
        created: iso(t.createdAt),
        expiration: isoOrNull(t.expiresAt),
        hasExpired: t.expiresAt !== null && t.expiresAt <= ctx.now(),
        lastUsedAt: isoOrNull(t.lastUsedAt),
      })),
      catalog: s.catalog,
    };
  });
}
