import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { Ctx } from "../context";
import { defaultFaultError, raw } from "../errors";
import type { FaultSpec } from "../faults";
import { logRequest, pathOf } from "./requestLog";

declare module "fastify" {
  interface FastifyRequest {
    /** A lost-response fault fired: apply the change, then drop the connection. */
    lostResponse: boolean;
    /** An applied-then fault fired: apply the change, then answer as the fault says. */
    appliedThen: FaultSpec | null;
  }
}

/** What a misrouted proxy or a captive portal answers instead of the API's JSON. */
const HTML_PAGE =
  "<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>\n" +
  "<body><h1>Service temporarily unavailable</h1><p>Please try again later.</p></body></html>\n";

/** How long a truncated body's first half has to reach the client before the connection closes. */
const FLUSH_MS = 20;

/**
 * Injected faults and the global latency, before any other processing of an API or stack-URL
 * request (control requests never see them). A `reset` destroys the connection at once, so
 * nothing is applied; a `status` answers without applying anything; a `lost-response` lets the
 * request run and destroys the connection instead of sending the answer; an `applied-then` lets
 * the request run and replaces its answer with a bad one (see `AppliedAnswer`).
 */
export function registerFaults(app: FastifyInstance, ctx: Ctx): void {
  app.decorateRequest("lostResponse", false);
  app.decorateRequest("appliedThen", null);

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
    else if (terminal?.spec.kind === "applied-then") req.appliedThen = terminal.spec;
    else if (fired.length > 0) req.faultKind = "latency";
  });

  app.addHook("onSend", async (req, reply, payload) => {
    if (req.lostResponse) {
      logRequest(ctx, req, reply.statusCode, "lost-response");
      req.raw.socket.destroy();
      return payload;
    }
    if (req.appliedThen) return badAnswer(ctx, req, reply, req.appliedThen, payload);
    return payload;
  });
}

/** The processed request's answer, replaced as an applied-then fault says. */
function badAnswer(ctx: Ctx, req: FastifyRequest, reply: FastifyReply, spec: FaultSpec, payload: unknown) {
  const text =
    typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? payload.toString("utf8") : "";
  const answer = spec.answer ?? "status";
  const json = { "content-type": "application/json; charset=utf-8" };
  let status = 200;
  let body: string | Readable = text;
  let headers: Record<string, string> = json;
  switch (answer) {
    case "status": {
      status = spec.status ?? 502;
      const d = defaultFaultError(status);
      body = JSON.stringify({ code: spec.code ?? d.code, message: spec.message ?? d.message });
      break;
    }
    case "html":
      status = spec.status ?? 200;
      headers = { "content-type": "text/html; charset=utf-8" };
      body = HTML_PAGE;
      break;
    case "empty":
      body = "";
      break;
    case "omit":
      body = withoutField(text, spec.field ?? "");
      break;
    case "truncated":
    case "stall": {
      // Content-Length promises the whole answer; only its first half is sent.
      const whole = Buffer.from(text, "utf8");
      const half = whole.subarray(0, Math.floor(whole.length / 2));
      headers = { ...json, "content-length": String(whole.length) };
      let sent = false;
      body = new Readable({
        read() {
          if (sent) return;
          sent = true;
          this.push(half);
          // Truncated: the connection closes once the half is out. Stalled: nothing more comes
          // until the client gives up and closes it.
          if (answer === "truncated") setTimeout(() => req.raw.socket.destroy(), FLUSH_MS).unref();
        },
      });
      break;
    }
  }
  logRequest(ctx, req, status, "applied-then");
  reply.code(status);
  reply.removeHeader("content-length");
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return body;
}

/** The JSON answer without one top-level field (unchanged when it is not a JSON object). */
function withoutField(text: string, field: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return text;
    const copy: Record<string, unknown> = { ...value };
    delete copy[field];
    return JSON.stringify(copy);
  } catch {
    return text;
  }
}
