import Fastify, { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import type { Ctx } from "./context";
import { invalid } from "./errors";
import { registerAuth } from "./hooks/auth";
import { registerErrorHandling } from "./hooks/errors";
import { registerFaults } from "./hooks/faults";
import { registerRateLimit } from "./hooks/rateLimit";
import { registerRequestId } from "./hooks/requestId";
import { registerRequestLog } from "./hooks/requestLog";
import { registerAccessPolicies } from "./routes/accessPolicies";
import { registerControl } from "./routes/control";
import { registerPlugins } from "./routes/plugins";
import { registerRegions } from "./routes/regions";
import { registerServiceAccounts } from "./routes/serviceAccounts";
import { registerStackKeys } from "./routes/stackKeys";
import { registerStacks } from "./routes/stacks";
import { registerStackUrl } from "./routes/stackUrl";
import { registerTokens } from "./routes/tokens";

function parseJsonBody(body: string): unknown {
  if (body.trim() === "") return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw invalid("request body is not valid JSON");
  }
}

/**
 * The emulator's HTTP server: hooks in the order a request meets them (the request log marks and
 * stamps it, injected faults and latency, authentication and scope, the required X-Request-Id,
 * the rate limit), then the routes, which parse, call the model and answer.
 */
export function buildServer(ctx: Ctx): FastifyInstance {
  const app = Fastify({
    logger: ctx.opts.logger,
    genReqId: () => randomUUID(),
    // Close keep-alive connections on close() so tests and the CLI shut down promptly.
    forceCloseConnections: true,
  });

  // Accept JSON whatever the declared content type (clients differ), and an empty body as none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  registerRequestLog(app, ctx);
  registerFaults(app, ctx);
  registerAuth(app, ctx);
  registerRequestId(app);
  registerRateLimit(app, ctx);
  registerErrorHandling(app, ctx);

  registerControl(app, ctx);
  registerAccessPolicies(app, ctx);
  registerTokens(app, ctx);
  registerStacks(app, ctx);
  registerStackKeys(app, ctx);
  registerServiceAccounts(app, ctx);
  registerPlugins(app, ctx);
  registerRegions(app);
  registerStackUrl(app, ctx);
  return app;
}
