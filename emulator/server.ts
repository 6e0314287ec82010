import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { iso } from "./clock";
import { Ctx, Principal } from "./context";
import { ApiError, INVALID_CREDENTIALS, defaultFaultError } from "./errors";
import { registerAccessPolicies } from "./routes/accessPolicies";
import { registerControl } from "./routes/control";
import { registerOrg } from "./routes/org";
import { registerPlugins } from "./routes/plugins";
import { registerStackKeys } from "./routes/stackKeys";
import { registerStacks } from "./routes/stacks";
import { registerStackUrl } from "./routes/stackUrl";
import { registerTokens } from "./routes/tokens";
import { hashSecret } from "./secrets";
import { queryRecord } from "./validation";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
    /** performance.now() at arrival, for the request log's durationMs. */
    startedAt: number;
    /** Emulator-clock time at arrival, for the request log's time. */
    arrivedAt: number;
    /** A control request (`/_emulator/...`): no faults, latency, auth or logging. */
    control: boolean;
    /** A lost-response fault fired: apply the change, then drop the connection. */
    lostResponse: boolean;
    faultKind: string | null;
    logged: boolean;
  }
  interface FastifyContextConfig {
    /** The access policy scope the route needs, e.g. `stacks:read`. */
    scope?: string;
    /** Counted against the access-policy rate limit. */
    rateLimited?: boolean;
    /** A v1 stack endpoint: error bodies also carry `statusCode` (real-api-behaviour.md). */
    v1Stack?: boolean;
  }
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** The v1 policy and token endpoints answer a missing scope with 401 (real-api-behaviour.md). */
const V1_AUTH_PATH = /^\/api\/v1\/(accesspolicies|tokens)(\/|$)/;

function parseJsonBody(body: string): unknown {
  if (body.trim() === "") return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ApiError(400, "InvalidArgument", "request body is not valid JSON");
  }
}

export function buildServer(ctx: Ctx): FastifyInstance {
  const app = Fastify({
    logger: ctx.opts.logger,
    genReqId: () => randomUUID(),
    // Close keep-alive connections on close() so tests and the CLI shut down promptly.
    forceCloseConnections: true,
  });

  app.decorateRequest("principal", null);
  app.decorateRequest("startedAt", 0);
  app.decorateRequest("arrivedAt", 0);
  app.decorateRequest("control", false);
  app.decorateRequest("lostResponse", false);
  app.decorateRequest("faultKind", null);
  app.decorateRequest("logged", false);

  // Accept JSON whatever the declared content type (clients differ), and an empty body as none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  const logRequest = (req: FastifyRequest, status: number, fault: string | null): void => {
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
  };

  const authenticate = (req: FastifyRequest): string => {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const bearer = match?.[1]?.trim();
    if (bearer === undefined || bearer === "") throw INVALID_CREDENTIALS();
    if (bearer === ctx.opts.token) {
      req.principal = { kind: "admin" };
      return bearer;
    }
    const hash = hashSecret(bearer);
    const now = ctx.now();
    const token = ctx.state.tokens.find((t) => t.secretHash === hash);
    if (token !== undefined) {
      const policy = ctx.state.policies.find((p) => p.id === token.accessPolicyId);
      if (policy === undefined || policy.status !== "active") throw INVALID_CREDENTIALS();
      token.firstUsedAt ??= now;
      token.lastUsedAt = now;
      req.principal = { kind: "token", tokenId: token.id, scopes: policy.scopes };
      return bearer;
    }
    const orgKey = ctx.state.orgKeys.find((k) => k.secretHash === hash);
    if (orgKey !== undefined) {
      req.principal = { kind: "orgKey", role: orgKey.role };
      return bearer;
    }
    throw INVALID_CREDENTIALS();
  };

  const checkScope = (req: FastifyRequest, path: string): void => {
    const scope = req.routeOptions.config?.scope;
    const p = req.principal;
    if (scope === undefined || p === null || p.kind === "admin") return;
    if (p.kind === "orgKey") {
      // Deprecated org API keys: Admin keys may do everything, other roles only read.
      if (p.role === "Admin" || scope.endsWith(":read")) return;
      throw new ApiError(403, "Forbidden", `API key role ${p.role} may not use scope ${scope}`);
    }
    if (p.scopes.includes(scope)) return;
    const message = `invalid permission: access policy missing required scope [${scope}], received [${p.scopes.join(" ")}]`;
    if (V1_AUTH_PATH.test(path)) throw new ApiError(401, "Unauthorized", message);
    throw new ApiError(403, "Forbidden", message);
  };

  app.addHook("onRequest", async (req, reply) => {
    const path = pathOf(req.url);
    if (path.startsWith("/_emulator/") || path === "/_emulator") {
      req.control = true;
      return;
    }
    req.startedAt = performance.now();
    req.arrivedAt = ctx.now();

    const fired = ctx.faults.fire(req.method, path);
    const terminal = fired.find((f) => f.spec.kind !== "latency");
    if (terminal?.spec.kind === "reset") {
      // Before any processing: nothing is applied and nothing is answered.
      logRequest(req, 0, "reset");
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
      throw new ApiError(
        status,
        terminal.spec.code ?? defaults.code,
        terminal.spec.message ?? defaults.message,
        headers,
      );
    }
    if (terminal?.spec.kind === "lost-response") req.lostResponse = true;
    else if (fired.length > 0) req.faultKind = "latency";

    if (path.startsWith("/api/") || path === "/api") {
      ctx.purgeExpired();
      const bearer = authenticate(req);
      checkScope(req, path);
      if (req.routeOptions.config?.rateLimited === true) {
        const wait = ctx.limiter.take(bearer, ctx.now());
        if (wait > 0) {
          throw new ApiError(
            429,
            "TooManyRequests",
            `rate limit of ${ctx.opts.rateLimitPerHour} requests per hour exceeded, retry after ${wait}s`,
            { "retry-after": String(wait) },
          );
        }
      }
    }
  });

  app.addHook("onSend", async (req, reply, payload) => {
    reply.header("x-request-id", req.id);
    if (req.lostResponse) {
      logRequest(req, reply.statusCode, "lost-response");
      req.raw.socket.destroy();
    }
    return payload;
  });

  app.addHook("onResponse", async (req, reply) => {
    logRequest(req, reply.statusCode, req.faultKind);
  });

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    let apiErr: ApiError;
    if (err instanceof ApiError) {
      apiErr = err;
    } else {
      const e = err as { statusCode?: number; message?: string };
      if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
        apiErr = new ApiError(e.statusCode, "InvalidArgument", e.message ?? "Bad request");
      } else {
        req.log.error(err);
        apiErr = new ApiError(500, "InternalServerError", "Internal server error");
      }
    }
    for (const [k, v] of Object.entries(apiErr.headers)) reply.header(k, v);
    const body: Record<string, unknown> = { code: apiErr.code, message: apiErr.message, requestId: req.id };
    if (req.routeOptions.config?.v1Stack === true) body.statusCode = apiErr.statusCode;
    return reply.status(apiErr.statusCode).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    return reply.status(404).send({ code: "NotFound", message: "Not found", requestId: req.id });
  });

  registerControl(app, ctx);
  registerAccessPolicies(app, ctx);
  registerTokens(app, ctx);
  registerStacks(app, ctx);
  registerStackKeys(app, ctx);
  registerPlugins(app, ctx);
  registerOrg(app, ctx);
  registerStackUrl(app, ctx);
  return app;
}
