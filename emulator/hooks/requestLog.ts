import type { FastifyInstance, FastifyRequest } from "fastify";
import { iso } from "../clock";
import type { Ctx } from "../context";
import { queryRecord } from "../validation";

declare module "fastify" {
  interface FastifyRequest {
    /** A control request (`/_emulator/...`): no faults, latency, auth or logging. */
    control: boolean;
    /** performance.now() at arrival, for the request log's durationMs. */
    startedAt: number;
    /** Emulator-clock time at arrival, for the request log's time. */
    arrivedAt: number;
    /** How an injected fault decided the outcome, if one did. */
    faultKind: string | null;
    logged: boolean;
  }
}

/** One entry of `GET /_emulator/requests`; tests count API calls with it. */
export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The status sent; 0 when a fault reset the connection before any response. */
  status: number;
  durationMs: number;
  time: string;
  /** Set when an injected fault decided the outcome. */
  fault?: string;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}

export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** Logs the request once, whichever of the answer, a reset or a lost response ends it first. */
export function logRequest(ctx: Ctx, req: FastifyRequest, status: number, fault: string | null): void {
  if (req.control || req.logged) return;
  req.logged = true;
  ctx.log.add({
    method: req.method,
    path: pathOf(req.url),
    query: queryRecord(req.query),
    status,
    durationMs: Math.round((performance.now() - req.startedAt) * 1000) / 1000,
    time: iso(req.arrivedAt),
    ...(fault === null ? {} : { fault }),
  });
}

/**
 * Marks control requests (never logged, faulted or authenticated), stamps every other request's
 * arrival, and logs it once answered. Registered first, so the other hooks see the marks.
 */
export function registerRequestLog(app: FastifyInstance, ctx: Ctx): void {
  app.decorateRequest("control", false);
  app.decorateRequest("startedAt", 0);
  app.decorateRequest("arrivedAt", 0);
  app.decorateRequest("faultKind", null);
  app.decorateRequest("logged", false);

  app.addHook("onRequest", async (req) => {
    const path = pathOf(req.url);
    if (path.startsWith("/_emulator/") || path === "/_emulator") {
      req.control = true;
      return;
    }
    req.startedAt = performance.now();
    req.arrivedAt = ctx.now();
  });

  app.addHook("onResponse", async (req, reply) => {
    logRequest(ctx, req, reply.statusCode, req.faultKind);
  });
}
