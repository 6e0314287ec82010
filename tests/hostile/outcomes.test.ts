/**
 * Whether a failed request may have been applied (`outcome`, read by `isOutcomeUnknown`): the one
 * fact the create recovery needs. "unknown" wherever the server may have applied it; "not-applied"
 * wherever nothing was processed. The words of each error say what happened.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createAccessPolicy, updateAccessPolicy } from "../../provider/api/accessPolicies";
import { createToken, deleteToken, getToken } from "../../provider/api/tokens";
import { isOutcomeUnknown, NetworkError } from "../../provider/client/errors";
import { PathSegmentError } from "../../provider/client/path";
import { caught, client, timed } from "./helpers";
import { json, scripted, type ScriptedServer } from "./server";

let srv: ScriptedServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

const tokenBody = { accessPolicyId: "p1", name: "t1" };
const policyBody = { name: "p", scopes: ["metrics:read"], realms: [{ type: "org", identifier: "1" }] };

/** A port with nothing listening on it. */
async function closedPort(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe("not applied: nothing was processed", () => {
  test("connection refused: retried even for a create, then reported as not delivered", async () => {
    const url = await closedPort();
    const { err, ms } = await timed(createToken(client(url, { maxRetries: 2 }), "us", tokenBody));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.networkCode).toBe("ECONNREFUSED");
    expect(err.attempts).toBe(3);
    expect(err.message).toMatch(/network error: ECONNREFUSED: .*\(the request was not delivered\)/);
    expect(err.outcome).toBe("not-applied");
    expect(isOutcomeUnknown(err)).toBe(false);
    expect(err.message).not.toMatch(/may have been applied/);
    expect(ms).toBeLessThan(3000);
  });

  test.each([
    [400, "InvalidArgument", "name: must be 1-255 characters"],
    [401, "InvalidCredentials", "Token invalid"],
    [403, "Forbidden", "Hosted instance limit reached"],
    [404, "NotFound", "access policy not found"],
    [409, "Conflict", 'a token named "t1" already exists'],
    [409, "InvalidArgument", "Field is required: name"],
  ])("%i %s on a create", async (status, code, message) => {
    srv = await scripted((_req, res) => json(res, status, { code, message }));
    const err = await caught(createToken(client(srv.url), "us", tokenBody));
    expect(err.status).toBe(status);
    expect(err.outcome).toBe("not-applied");
    expect(isOutcomeUnknown(err)).toBe(false);
    expect(srv.received).toHaveLength(1);
  });

  test("429 with a Retry-After beyond the budget: not applied, and the wait is named", async () => {
    srv = await scripted((_req, res) =>
      json(res, 429, { code: "TooManyRequests" }, { "retry-after": "3500" }),
    );
    const err = await caught(createAccessPolicy(client(srv.url), "us", policyBody));
    expect(err.outcome).toBe("not-applied");
    expect(err.message).toContain("asked to wait 3500 s (Retry-After)");
    expect(srv.received).toHaveLength(1);
  });

  test("503 with Retry-After: a create is sent again, and succeeds", async () => {
    srv = await scripted((_req, res, n) =>
      n === 1
        ? json(res, 503, { code: "ServiceUnavailable" }, { "retry-after": "0" })
        : json(res, 200, { id: "tok-1", accessPolicyId: "p1", name: "t1", token: "glc_x" }),
    );
    const t = await createToken(client(srv.url), "us", tokenBody);
    expect(t.id).toBe("tok-1");
    expect(srv.received).toHaveLength(2);
    // The same X-Request-Id on both attempts: one logical call.
    expect(srv.received[1]?.headers["x-request-id"]).toBe(srv.received[0]?.headers["x-request-id"]);
  });

  test("503 until the budget ends: not applied", async () => {
    srv = await scripted((_req, res) =>
      json(res, 503, { code: "ServiceUnavailable" }, { "retry-after": "1" }),
    );
    const err = await caught(createToken(client(srv.url, { retryBudgetMs: 1500 }), "us", tokenBody));
    expect(err.status).toBe(503);
    expect(err.outcome).toBe("not-applied");
  });

  test("an id of '..' or '.' from state never reaches the server", async () => {
    srv = await scripted((_req, res) => json(res, 200, {}));
    for (const id of ["..", ".", ""]) {
      const err = await caught(deleteToken(client(srv.url), "us", id));
      expect(err).toBeInstanceOf(PathSegmentError);
      expect(err.name).toBe("PathSegmentError");
      expect(err.message).toBe(
        `cannot build the request path /api/v1/tokens/{…}: ${JSON.stringify(id)} is not a valid path segment ` +
          `(an id must not be empty, "." or "..")`,
      );
      expect(isOutcomeUnknown(err)).toBe(false);
    }
    expect(srv.received).toHaveLength(0);
  });

  test("an id with a slash stays one segment", async () => {
    srv = await scripted((_req, res) => json(res, 200, { accessPolicyId: "p1", name: "t1" }));
    const t = await getToken(client(srv.url), "us", "../../instances/1");
    expect(srv.received[0]?.url).toBe("/api/v1/tokens/..%2F..%2Finstances%2F1?region=us");
    expect(t.id).toBe("../../instances/1");
  });
});

describe("unknown: the server may have applied it", () => {
  test("502 after the create was applied: not sent again, and the error says it may exist", async () => {
    let made = 0;
    srv = await scripted((_req, res) => {
      made += 1;
      json(res, 502, { code: "BadGateway", message: "upstream timed out" });
    });
    const err = await caught(createToken(client(srv.url), "us", tokenBody));
    expect(err.status).toBe(502);
    expect(err.outcome).toBe("unknown");
    expect(isOutcomeUnknown(err)).toBe(true);
    expect(err.message).toBe(
      "Grafana Cloud API POST /api/v1/tokens?region=us failed: 502 Bad Gateway: upstream timed out (code BadGateway, " +
        `x-request-id ${String(srv.received[0]?.headers["x-request-id"])}). The request may have been applied`,
    );
    expect(made).toBe(1);
  });

  test.each([500, 504])("%i on a create", async (status) => {
    srv = await scripted((_req, res) => json(res, status, {}));
    const err = await caught(createToken(client(srv.url), "us", tokenBody));
    expect(err.outcome).toBe("unknown");
    expect(srv.received).toHaveLength(1);
  });

  test("the connection reset after the request was received", async () => {
    srv = await scripted((req) => req.socket.destroy());
    const err = await caught(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toMatch(/network error: ECONNRESET: .*\(no answer arrived\)/);
    expect(err.outcome).toBe("unknown");
    expect(srv.received).toHaveLength(1);
  });

  test("an update that met a 502 and then a 429: an earlier attempt may have been applied", async () => {
    srv = await scripted((_req, res, n) =>
      n === 1
        ? json(res, 502, { code: "BadGateway" })
        : json(res, 429, { code: "TooManyRequests" }, { "retry-after": "3600" }),
    );
    const err = await caught(
      updateAccessPolicy(client(srv.url), "us", "p-1", {
        scopes: ["metrics:read"],
        realms: [],
        conditions: {},
      }),
    );
    expect(srv.received).toHaveLength(2);
    expect(err.status).toBe(429);
    expect(err.outcome).toBe("unknown");
    expect(err.message).toMatch(/An earlier attempt may have been applied$/);
  });
});
