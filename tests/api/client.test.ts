import util from "node:util";
import { z } from "zod";
import { ApiClient, parseRetryAfter } from "../../provider/client/http";
import { path } from "../../provider/client/path";
import { WRITE_SAFE, ONE_ATTEMPT } from "../../provider/client/retry";
import { paginate } from "../../provider/client/paging";
import {
  ConflictError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
  ServerError,
  isNotFoundError,
} from "../../provider/client/errors";
import { json, startServer } from "./server";

const TOKEN = "glc_super-secret-token-value-1234567890";
const anyBody = z.unknown();

function client(url: string, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) {
  return new ApiClient({
    baseUrl: url,
    token: TOKEN,
    baseDelayMs: 10,
    maxDelayMs: 50,
    retryBudgetMs: 5000,
    ...extra,
  });
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("ApiClient", () => {
  test("sends the bearer token, a user agent and parses the body", async () => {
    let ua: string | undefined;
    const srv = await startServer((req, res) => {
      ua = req.headers["user-agent"];
      json(res, 200, { id: 7, extra: "ignored" });
    });
    try {
      const out = await client(srv.url, { userAgent: "pulumi-grafana-cloud/1.2.3" }).request({
        method: "GET",
        path: path`/api/instances/7`,
        schema: z.looseObject({ id: z.number() }),
      });
      expect(out.id).toBe(7);
      expect(srv.requests[0]?.auth).toBe(`Bearer ${TOKEN}`);
      expect(ua).toBe("pulumi-grafana-cloud/1.2.3");
    } finally {
      await srv.close();
    }
  });

  test("sends one X-Request-Id per call, the same on every retry, and names it in the error", async () => {
    const srv = await startServer((_req, res, n) =>
      n <= 3 ? json(res, 503, { code: "ServiceUnavailable", message: "busy" }) : json(res, 200, { ok: 1 }),
    );
    try {
      const c = client(srv.url, { maxRetries: 1 });
      const err = await caught(
        c.request({
          method: "POST",
          path: path`/api/v1/tokens`,
          query: { region: "eu" },
          body: {},
          schema: anyBody,
        }),
      );
      await c.request({
        method: "POST",
        path: path`/api/v1/tokens`,
        query: { region: "eu" },
        body: {},
        schema: anyBody,
      });
      const ids = srv.requests.map((r) => r.requestId);
      expect(ids).toHaveLength(4);
      // First call: two attempts with one id; second call: a fresh id on both of its attempts.
      expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids[1]).toBe(ids[0]);
      expect(ids[2]).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids[3]).toBe(ids[2]);
      expect(ids[2]).not.toBe(ids[0]);
      expect(err.message).toContain(`x-request-id ${ids[0]}`);
      expect((err as ServerError).clientRequestId).toBe(ids[0]);
    } finally {
      await srv.close();
    }
  });

  test("retries GET on 503 and 500 until success", async () => {
    const srv = await startServer((_req, res, n) =>
      n < 3 ? json(res, n === 1 ? 503 : 500, {}) : json(res, 200, {}),
    );
    try {
      await client(srv.url).request({ method: "GET", path: path`/api/x`, schema: anyBody });
      expect(srv.requests).toHaveLength(3);
    } finally {
      await srv.close();
    }
  });

  test("does not retry a POST on 500 unless the caller says it is safe", async () => {
    const srv = await startServer((_req, res) => json(res, 500, { code: "Internal", message: "boom" }));
    try {
      const err = await caught(
        client(srv.url).request({ method: "POST", path: path`/api/x`, body: {}, schema: anyBody }),
      );
      expect(err).toBeInstanceOf(ServerError);
      expect(srv.requests).toHaveLength(1);
      srv.requests.length = 0;
      await caught(
        client(srv.url, { maxRetries: 2 }).request({
          method: "POST",
          path: path`/api/x`,
          body: {},
          schema: anyBody,
          retry: WRITE_SAFE,
        }),
      );
      expect(srv.requests).toHaveLength(3);
    } finally {
      await srv.close();
    }
  });

  test("honours Retry-After in seconds, waiting through the injected sleep", async () => {
    const srv = await startServer((_req, res, n) =>
      n === 1 ? json(res, 429, { code: "TooManyRequests" }, { "retry-after": "7" }) : json(res, 200, {}),
    );
    try {
      const waits: number[] = [];
      const started = Date.now();
      await client(srv.url, {
        retryBudgetMs: 60_000,
        sleep: async (ms) => void waits.push(ms),
      }).request({ method: "GET", path: path`/api/x`, schema: anyBody });
      expect(srv.requests).toHaveLength(2);
      // The client asked to wait the whole 7 s; the injected sleep spent none of it.
      expect(waits).toEqual([7000]);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await srv.close();
    }
  });

  test("honours Retry-After as an HTTP date", async () => {
    const srv = await startServer((_req, res, n) =>
      n === 1
        ? json(res, 503, {}, { "retry-after": new Date(Date.now() + 20_000).toUTCString() })
        : json(res, 200, {}),
    );
    try {
      const waits: number[] = [];
      await client(srv.url, { retryBudgetMs: 60_000, sleep: async (ms) => void waits.push(ms) }).request({
        method: "GET",
        path: path`/api/x`,
        schema: anyBody,
      });
      expect(srv.requests).toHaveLength(2);
      expect(waits).toHaveLength(1);
      // HTTP dates have one-second resolution.
      expect(waits[0]).toBeGreaterThanOrEqual(18_000);
      expect(waits[0]).toBeLessThanOrEqual(20_000);
    } finally {
      await srv.close();
    }
  });

  test("without an injected sleep the client really waits", async () => {
    const srv = await startServer((_req, res, n) =>
      n === 1 ? json(res, 503, {}, { "retry-after": "0.3" }) : json(res, 200, {}),
    );
    try {
      await client(srv.url).request({ method: "GET", path: path`/api/x`, schema: anyBody });
      expect(srv.requests[1]!.at - srv.requests[0]!.at).toBeGreaterThanOrEqual(280);
    } finally {
      await srv.close();
    }
  });

  test("parseRetryAfter reads both forms", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });

  test("fails at once when the server asks to wait longer than the budget, saying so", async () => {
    const srv = await startServer((_req, res) =>
      json(
        res,
        429,
        { code: "TooManyRequests", message: "rate limited", requestId: "r-1" },
        { "retry-after": "3600" },
      ),
    );
    try {
      const started = Date.now();
      const err = await caught(
        client(srv.url).request({
          method: "GET",
          path: path`/api/v1/accesspolicies`,
          query: { region: "eu" },
          schema: anyBody,
        }),
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(srv.requests).toHaveLength(1);
      expect(err).toBeInstanceOf(RateLimitError);
      expect(err.message).toContain("GET /api/v1/accesspolicies?region=eu failed: 429 Too Many Requests");
      expect(err.message).toContain("3600 s");
      expect(err.message).toContain("rate limit");
      expect(err.message).toContain("request id r-1");
    } finally {
      await srv.close();
    }
  });

  test("gives up after maxRetries with a whole message", async () => {
    const srv = await startServer((_req, res) => json(res, 502, { code: "BadGateway", message: "upstream" }));
    try {
      const err = await caught(
        client(srv.url, { maxRetries: 3 }).request({
          method: "DELETE",
          path: path`/api/instances/1`,
          schema: anyBody,
        }),
      );
      expect(srv.requests).toHaveLength(4);
      expect(err.message).toBe(
        `Grafana Cloud API DELETE /api/instances/1 failed: 502 Bad Gateway: upstream (code BadGateway, ` +
          `x-request-id ${srv.requests[0]?.requestId}, after 4 attempts). The request may have been applied`,
      );
      // A 502 may come from a proxy after the server applied the request.
      expect((err as ServerError).outcome).toBe("unknown");
    } finally {
      await srv.close();
    }
  });

  test("maps statuses to error classes with the API's code, message and request id", async () => {
    const srv = await startServer((req, res) =>
      req.url?.includes("missing")
        ? json(res, 404, { code: "NotFound", message: "stack not found" }, { "x-request-id": "hdr-9" })
        : json(res, 409, { code: "Conflict", message: "That url is not available", requestId: "req-42" }),
    );
    try {
      const c = client(srv.url);
      const conflict = await caught(
        c.request({
          method: "POST",
          path: path`/api/v1/accesspolicies`,
          query: { region: "eu" },
          body: {},
          schema: anyBody,
        }),
      );
      expect(conflict).toBeInstanceOf(ConflictError);
      expect(conflict.message).toBe(
        "Grafana Cloud API POST /api/v1/accesspolicies?region=eu failed: 409 Conflict: That url is not available " +
          `(code Conflict, request id req-42, x-request-id ${srv.requests[0]?.requestId})`,
      );
      const nf = await caught(
        c.request({ method: "GET", path: path`/api/instances/missing`, schema: anyBody }),
      );
      expect(nf).toBeInstanceOf(NotFoundError);
      expect(isNotFoundError(nf)).toBe(true);
      expect(nf.message).toContain("request id hdr-9");
    } finally {
      await srv.close();
    }
  });

  test("network errors are retried for GET and reported as NetworkError", async () => {
    const srv = await startServer((req) => req.socket.destroy());
    try {
      const err = await caught(
        client(srv.url, { maxRetries: 2 }).request({ method: "GET", path: path`/api/x`, schema: anyBody }),
      );
      expect(err).toBeInstanceOf(NetworkError);
      expect(srv.requests).toHaveLength(3);
    } finally {
      await srv.close();
    }
  });

  test("the token never appears in an error, however it is printed", async () => {
    const srv = await startServer((_req, res) =>
      json(res, 401, { code: "InvalidCredentials", message: `Token invalid: ${TOKEN}` }),
    );
    try {
      const err = await caught(
        client(srv.url).request({ method: "GET", path: path`/api/x`, schema: anyBody }),
      );
      for (const text of [
        String(err),
        err.stack ?? "",
        JSON.stringify(err),
        util.inspect(err, { depth: 10 }),
      ]) {
        expect(text).not.toContain(TOKEN);
      }
      expect(err.message).toContain("[REDACTED]");
      const net = await caught(
        new ApiClient({ baseUrl: "http://127.0.0.1:1", token: TOKEN, maxRetries: 0 }).request({
          method: "GET",
          path: path`/api/x`,
          schema: anyBody,
        }),
      );
      for (const text of [
        String(net),
        net.stack ?? "",
        JSON.stringify(net),
        util.inspect(net, { depth: 10 }),
      ]) {
        expect(text).not.toContain(TOKEN);
      }
    } finally {
      await srv.close();
    }
  });

  test("bearer: null sends no credential; a call's own bearer key is redacted like the token", async () => {
    const KEY = "eyJrIjoic3RhY2stYWRtaW4ta2V5LXZhbHVlIn0=";
    const srv = await startServer((req, res) =>
      req.url?.startsWith("/health")
        ? json(res, 200, {})
        : json(res, 401, { code: "Unauthorized", message: `bad key ${req.headers.authorization}` }),
    );
    try {
      const c = client(srv.url);
      await c.request({
        method: "GET",
        baseUrl: srv.url,
        path: path`/health`,
        schema: anyBody,
        bearer: null,
      });
      expect(srv.requests[0]?.auth).toBeUndefined();
      const err = await caught(
        c.request({ method: "GET", baseUrl: srv.url, path: path`/keys`, schema: anyBody, bearer: KEY }),
      );
      expect(srv.requests[1]?.auth).toBe(`Bearer ${KEY}`);
      for (const text of [
        String(err),
        err.stack ?? "",
        JSON.stringify(err),
        util.inspect(err, { depth: 10 }),
      ]) {
        expect(text).not.toContain(KEY);
        expect(text).not.toContain(TOKEN);
      }
      expect(err.message).toContain("bad key Bearer [REDACTED]");
    } finally {
      await srv.close();
    }
  });

  test("the ONE_ATTEMPT policy makes one attempt, even where the default would retry", async () => {
    const srv = await startServer((_req, res) => json(res, 503, {}));
    try {
      await caught(
        client(srv.url).request({ method: "GET", path: path`/api/x`, schema: anyBody, retry: ONE_ATTEMPT }),
      );
      expect(srv.requests).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  test("a response that does not match the schema names the endpoint and the field", async () => {
    const srv = await startServer((_req, res) => json(res, 200, { id: "not-a-number" }));
    try {
      const err = await caught(
        client(srv.url).request({
          method: "GET",
          path: path`/api/instances/1`,
          schema: z.looseObject({ id: z.number() }),
        }),
      );
      expect(err).toBeInstanceOf(ResponseValidationError);
      expect(err.message).toContain("GET /api/instances/1");
      expect(err.message).toContain('field "id"');
    } finally {
      await srv.close();
    }
  });

  test("paginate follows nextPage across 3 pages, keeping the query", async () => {
    const pages: Record<string, unknown> = {
      "": {
        items: [{ id: 1 }, { id: 2 }],
        metadata: { pagination: { nextPage: "/v1/accesspolicies?pageCursor=p2" } },
      },
      p2: {
        items: [{ id: 3 }, { id: 4 }],
        metadata: { pagination: { nextPage: "/v1/accesspolicies?pageCursor=p3" } },
      },
      p3: { items: [{ id: 5 }], metadata: { pagination: { nextPage: null } } },
    };
    const srv = await startServer((req, res) => {
      const u = new URL(req.url ?? "/", "http://x");
      json(res, 200, pages[u.searchParams.get("pageCursor") ?? ""]);
    });
    try {
      const items = await paginate(client(srv.url), {
        path: path`/api/v1/accesspolicies`,
        query: { region: "eu", pageSize: 2 },
        item: z.looseObject({ id: z.number() }),
      });
      expect(items.map((i) => i.id)).toEqual([1, 2, 3, 4, 5]);
      expect(srv.requests).toHaveLength(3);
      for (const r of srv.requests) expect(r.url).toContain("region=eu");
    } finally {
      await srv.close();
    }
  });
});
