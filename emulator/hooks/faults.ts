import type { FastifyInstance } from "fastify";
import { setTimeout as sleep } from "node:timers/promises";
import type { Ctx } from "../context";
import { defaultFaultError, raw } from "../errors";
import { logRequest, pathOf } from "./requestLog";

declare module "fastify" {
  interface FastifyRequest {
    /** A lost-response fault fired: apply the change, then drop the connection. */
    lostResponse: boolean;
  }
}

/**
 * Injected faults and the global latency, before any other processing of an API or stack-URL
 * request (control requests never see them). A `reset` destroys the connection at once, so
 * nothing is applied; a `status` answers without applying anything; a `lost-response` lets the
 * request run and destroys the connection instead of sending the answer.
 */
export function registerFaults(app: FastifyInstance, ctx: Ctx): void {
  app.decorateRequest("lostResponse", false);

  app.addHook("onRequest", async (req, reply) => {
    if (req.control) return;
    const fired = ctx.faults.fire(req.method, pathOf(req.url));
    const terminal = fired.find((f) => f.spec.kind !== "latency");
    if (terminal?.spec.kind === "reset") {
      logRequest(ctx, req, 0, "reset");
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    const delay = ctx.opts.latencyMs + fired.reduce((sum, f) => sum + (f.spec.latencyMs ?? 0), 0);
    if (delay > 0) await sleep(delay);
    if (terminal?.spec.kind === "status") {
      const status = terminal.spec.status ?? 500;
      const defaults = defaultFaultError(status);
      const headers: Record<string, string> = {};
      const retryAfter = terminal.spec.retryAfter ?? (status === 429 || status === 503 ? 1 : undefined);
      if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
      req.faultKind = "status";
      throw raw(
        status,
        terminal.spec.code ?? defaults.code,
        terminal.spec.message ?? defaults.message,
        headers,
      );
    }
    if (terminal?.spec.kind === "lost-response") req.lostResponse = true;
    else if (fired.length > 0) req.faultKind = "latency";
  });

  app.addHook("onSend", async (req, reply, payload) => {
    if (req.lostResponse) {
      logRequest(ctx, req, reply.statusCode, "lost-response");
      req.raw.socket.destroy();
    }
    return payload;
  });
}
