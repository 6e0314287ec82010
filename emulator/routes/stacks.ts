import { FastifyInstance } from "fastify";
import { randomInt } from "node:crypto";
import { findRegion } from "../catalog";
import { Ctx } from "../context";
import { ApiError, conflict, legacyInvalid, notFound } from "../errors";
import {
  isGone,
  requireLiveStack,
  requireStack,
  serviceUrls,
  stackRegion,
  stackStatus,
  stackView,
} from "../stackModel";
import { StackRecord } from "../store";
import { LABEL_RE, MAX_LABELS, SLUG_RE, isObject } from "../validation";
import { sendJsonLiteral } from "./common";

/** Stacks: grafana-cloud-api.md "Stacks"; real-api-behaviour.md "Stacks". */

/** Numeric ids stay below 2^24 (real-api-behaviour.md). */
const MAX_ID = 2 ** 24;

function newId(taken: (id: number) => boolean): number {
  for (;;) {
    const id = randomInt(100_000, MAX_ID);
    if (!taken(id)) return id;
  }
}

function validateLabels(value: unknown): Record<string, string> {
  if (value === null) return {};
  if (!isObject(value)) throw legacyInvalid("Invalid labels: must be an object of string keys and values");
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) {
    throw legacyInvalid(`Invalid labels: at most ${MAX_LABELS} labels are allowed, got ${entries.length}`);
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!LABEL_RE.test(k)) throw legacyInvalid(`Invalid label key ${JSON.stringify(k)} specified`);
    if (typeof v !== "string" || !LABEL_RE.test(v)) {
      throw legacyInvalid(`Invalid label value ${JSON.stringify(v)} specified for key ${JSON.stringify(k)}`);
    }
    labels[k] = v;
  }
  return labels;
}

function validateUrl(value: unknown): string | null {
  if (value === null || value === "") return null;
  if (typeof value === "string") {
    try {
      const u = new URL(value);
      if (u.protocol === "https:" || u.protocol === "http:") return value.replace(/\/+$/, "");
    } catch {
      // reported below
    }
  }
  throw legacyInvalid(`Invalid url ${String(value)} specified`);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw legacyInvalid(`Invalid ${field}: must be a string`);
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw legacyInvalid(`Invalid ${field}: must be a boolean`);
  return value;
}

export function registerStacks(app: FastifyInstance, ctx: Ctx): void {
  const read = { config: { scope: "stacks:read" } };
  const write = { config: { scope: "stacks:write" } };
  const del = { config: { scope: "stacks:delete" } };

  const list = () => {
    const items = ctx.state.stacks
      .filter((s) => stackStatus(s, ctx.now()) !== "deleted")
      .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)
      .map((s) => stackView(ctx, s));
    return {
      items,
      orderBy: "name",
      direction: "asc",
      total: items.length,
      pages: 1,
      pageSize: 1000000,
      page: 1,
      links: [{ rel: "self", href: "/instances" }],
    };
  };

  app.get("/api/instances", read, async () => list());

  app.get<{ Params: { org: string } }>("/api/orgs/:org/instances", read, async (req) => {
    const org = ctx.opts.org;
    if (req.params.org !== org.slug && req.params.org !== String(org.id)) {
      throw notFound(`Org ${req.params.org} not found`);
    }
    return list();
  });

  app.post("/api/instances", write, async (req) => {
    const body = req.body;
    if (!isObject(body)) throw legacyInvalid("Invalid request body: must be a JSON object");
    if (typeof body.name !== "string" || body.name.trim() === "")
      throw legacyInvalid("Field is required: name");
    if (body.slug === undefined || body.slug === null || body.slug === "") {
      throw legacyInvalid("Field is required: slug");
    }
    if (typeof body.slug !== "string" || !SLUG_RE.test(body.slug)) {
      throw legacyInvalid(`Invalid slug ${String(body.slug)} specified`);
    }
    const slug = body.slug;
    const regionSlug = optionalString(body.region, "region") ?? "us";
    if (regionSlug !== "" && findRegion(regionSlug) === undefined) throw notFound("stack region not found");
    const description = optionalString(body.description, "description") ?? "";
    const labels = body.labels === undefined ? {} : validateLabels(body.labels);
    const customUrl = body.url === undefined ? null : validateUrl(body.url);
    // The reference's create response shows deleteProtection true for a body that did not set it.
    const deleteProtection = optionalBoolean(body.deleteProtection, "deleteProtection") ?? true;

    const now = ctx.now();
    const sameSlug = ctx.state.stacks.filter((s) => s.slug === slug);
    if (sameSlug.some((s) => !isGone(s))) throw conflict("That url is not available");
    // A just-deleted slug is held for a while (real-api-behaviour.md: "wait for 30s").
    const lastDeletion = Math.max(...sameSlug.map((s) => s.deletedAt ?? -Infinity));
    const remaining = lastDeletion + ctx.opts.slugReuseWindowMs - now;
    if (remaining > 0) {
      const seconds = Math.ceil(remaining / 1000);
      throw conflict(
        `A stack with slug ${slug} was deleted recently. Please wait for ${seconds}s before creating it again`,
      );
    }
    const live = ctx.state.stacks.filter((s) => !isGone(s)).length;
    if (live >= ctx.opts.maxStacks) throw new ApiError(403, "Forbidden", "Hosted instance limit reached");

    const allIds = new Set<number>();
    for (const s of ctx.state.stacks) {
      allIds.add(s.id);
      for (const v of Object.values(s.serviceIds)) allIds.add(v);
    }
    const id = (): number => {
      const v = newId((x) => allIds.has(x));
      allIds.add(v);
      return v;
    };
    const stack: StackRecord = {
      id: id(),
      seq: ctx.store.nextSeq(),
      slug,
      name: body.name,
      description,
      customUrl,
      region: regionSlug === "" ? "us" : regionSlug,
      labels,
      deleteProtection,
      createdAt: now,
      updatedAt: null,
      readyAt: now + ctx.opts.readinessDelayMs,
      deletedAt: null,
      deleteDoneAt: null,
      serviceIds: { prom: id(), graphite: id(), logs: id(), traces: id(), alerts: id(), profiles: id() },
      nextKeyId: 1,
    };
    ctx.state.stacks.push(stack);
    ctx.save();
    return stackView(ctx, stack);
  });

  app.get<{ Params: { idOrSlug: string } }>("/api/instances/:idOrSlug", read, async (req) => {
    // A deleted stack still answers 200 with status "deleted" (real-api-behaviour.md).
    return stackView(ctx, requireStack(ctx, req.params.idOrSlug));
  });

  app.post<{ Params: { idOrSlug: string } }>("/api/instances/:idOrSlug", write, async (req) => {
    const stack = requireLiveStack(ctx, req.params.idOrSlug);
    const body = req.body ?? {};
    if (!isObject(body)) throw legacyInvalid("Invalid request body: must be a JSON object");
    if (body.slug !== undefined && body.slug !== stack.slug)
      throw legacyInvalid("Field cannot be changed: slug");
    if (body.region !== undefined && body.region !== stack.region) {
      throw legacyInvalid("Field cannot be changed: region");
    }
    const next = { ...stack };
    if (body.name !== undefined) {
      if (typeof body.name !== "string" || body.name.trim() === "")
        throw legacyInvalid("Field is required: name");
      next.name = body.name;
    }
    const description = optionalString(body.description, "description");
    if (description !== undefined) next.description = description;
    // Labels replace the whole set: an omitted key is removed, {} clears (grafana-cloud-api.md).
    if (body.labels !== undefined) next.labels = validateLabels(body.labels);
    const deleteProtection = optionalBoolean(body.deleteProtection, "deleteProtection");
    if (deleteProtection !== undefined) next.deleteProtection = deleteProtection;
    if (body.url !== undefined) next.customUrl = validateUrl(body.url);
    next.updatedAt = ctx.now();
    Object.assign(stack, next);
    ctx.save();
    return stackView(ctx, stack);
  });

  app.delete<{ Params: { idOrSlug: string } }>("/api/instances/:idOrSlug", del, async (req) => {
    const stack = requireLiveStack(ctx, req.params.idOrSlug);
    if (stack.deleteProtection) {
      throw conflict(
        `Delete protection is enabled for stack ${stack.slug}; set deleteProtection to false before deleting it`,
      );
    }
    const now = ctx.now();
    stack.deletedAt = now;
    stack.deleteDoneAt = now + ctx.opts.deleteDelayMs;
    stack.updatedAt = now;
    // Plugins and API keys live inside the stack's Grafana and go with it.
    ctx.state.plugins = ctx.state.plugins.filter((p) => p.stackId !== stack.id);
    ctx.state.stackKeys = ctx.state.stackKeys.filter((k) => k.stackId !== stack.id);
    ctx.pluginBusyUntil.delete(stack.id);
    ctx.save();
    return stackView(ctx, stack);
  });

  app.post<{ Params: { idOrSlug: string } }>(
    "/api/instances/:idOrSlug/restart",
    write,
    async (req, reply) => {
      requireLiveStack(ctx, req.params.idOrSlug);
      return sendJsonLiteral(reply, true);
    },
  );

  const readiness = async (req: { params: { id: string } }) => {
    const stack = requireStack(ctx, req.params.id);
    return { ready: stackStatus(stack, ctx.now()) === "active" };
  };
  app.get<{ Params: { id: string } }>("/api/instances/:id/readiness", read, readiness);
  app.get<{ Params: { id: string } }>(
    "/api/v1/stacks/:id/readiness",
    { config: { scope: "stacks:read", v1Stack: true } },
    readiness,
  );

  app.get<{ Params: { idOrSlug: string } }>("/api/instances/:idOrSlug/connections", read, async (req) => {
    const stack = requireLiveStack(ctx, req.params.idOrSlug);
    // Right after creation the connection info is not there yet (real-api-behaviour.md).
    if (stackStatus(stack, ctx.now()) === "pending") {
      throw notFound(`connections for stack ${stack.slug} are not available yet`);
    }
    const region = stackRegion(stack);
    const urls = serviceUrls(region);
    const c = region.clusterSlug;
    const ids = stack.serviceIds;
    const tenant = (type: string, id: number, cname: string | null) => ({
      type,
      id,
      ipAllowListCNAME: cname,
    });
    return {
      privateConnectivityInfo: {
        tenants: [
          tenant("prometheus", ids.prom, `src-ips.prometheus-${c}.grafana.net`),
          tenant("graphite", ids.graphite, `src-ips.prometheus-${c}.grafana.net`),
          tenant("logs", ids.logs, `src-ips.${region.logsHost}.grafana.net`),
          tenant("traces", ids.traces, `src-ips.${region.tracesHost}.grafana.net`),
          tenant("profiles", ids.profiles, `src-ips.profiles-${c}.grafana.net`),
          tenant("alerts", ids.alerts, `src-ips.alertmanager-${c}.grafana.net`),
          tenant("grafana", stack.id, null),
        ],
      },
      influxUrl: urls.influx,
      otlpHttpUrl: urls.otlp,
      oncallApiUrl: urls.oncall,
      appPlatform: { url: urls.appPlatform, caData: "" },
    };
  });

  app.get<{ Params: { idOrSlug: string } }>("/api/instances/:idOrSlug/datasources", read, async (req) => {
    const stack = requireLiveStack(ctx, req.params.idOrSlug);
    const urls = serviceUrls(stackRegion(stack));
    const ids = stack.serviceIds;
    const created = new Date(stack.createdAt).toISOString();
    const ds = (n: number, name: string, type: string, url: string, user: number) => ({
      id: stack.id * 10 + n,
      instanceId: stack.id,
      name,
      type,
      access: "proxy",
      grafanaOrgId: 1,
      url,
      password: "",
      user: "",
      database: "",
      basicAuth: 1,
      basicAuthUser: String(user),
      withCredentials: 0,
      isDefault: n === 1 ? 1 : 0,
      jsonData: {},
      version: 1,
      editable: 1,
      delete: 0,
      createdAt: created,
      updatedAt: null,
    });
    return {
      items: [
        ds(1, `grafanacloud-${stack.slug}-prom`, "prometheus", `${urls.prom}/api/prom`, ids.prom),
        ds(2, `grafanacloud-${stack.slug}-logs`, "loki", urls.logs, ids.logs),
        ds(3, `grafanacloud-${stack.slug}-traces`, "tempo", urls.traces, ids.traces),
        ds(
          4,
          `grafanacloud-${stack.slug}-profiles`,
          "grafana-pyroscope-datasource",
          urls.profiles,
          ids.profiles,
        ),
        ds(5, "grafanacloud-usage", "prometheus", "https://billing.grafana.net/api/prom", ctx.opts.org.id),
      ],
      links: [{ rel: "self", href: `/instances/${stack.slug}/datasources` }],
    };
  });
}
