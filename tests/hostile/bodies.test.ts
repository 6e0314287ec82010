/**
 * Answers a create cannot use though the server may have applied it: 200 with HTML, an empty
 * body, JSON cut short, a body failing the schema, a connection closed mid-body, a 50 MB body.
 * Each is an error that says what arrived, counts as "may have been applied", and is not sent a
 * second time.
 */
import { z } from "zod";
import { createToken, deleteToken } from "../../provider/api/tokens";
import { getStack } from "../../provider/api/stacks";
import {
  isOutcomeUnknown,
  NetworkError,
  ResponseTooLargeError,
  ResponseValidationError,
} from "../../provider/client/errors";
import { path } from "../../provider/client/path";
import { client, timed } from "./helpers";
import { flood, json, scripted, type ScriptedServer } from "./server";

let srv: ScriptedServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

const tokenBody = { accessPolicyId: "p1", name: "t1" };
const created = { id: "tok-1", accessPolicyId: "p1", name: "t1", token: "glc_created-secret-value" };

/** A create whose answer is unusable: may have been applied, said so, and not repeated. */
function expectUnknownCreate(err: Error & Record<string, any>, requests: number) {
  expect(err.outcome).toBe("unknown");
  expect(isOutcomeUnknown(err)).toBe(true);
  expect(err.message).toMatch(/^Grafana Cloud API POST \/api\/v1\/tokens\?region=us failed: /);
  expect(err.message).toMatch(/The request may have been applied$/);
  expect(requests).toBe(1);
}

describe("unusable answers to a create", () => {
  test("200 with an HTML page", async () => {
    srv = await scripted((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><head><title>Welcome</title></head><body>Sign in</body></html>");
    });
    const { err } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(ResponseValidationError);
    expect(err.field).toBe("(body)");
    expect(err.message).toContain(
      "failed: unusable response (200 OK): the body is not JSON (text/html; charset=utf-8, 68 bytes)",
    );
    expectUnknownCreate(err, srv.received.length);
  });

  test("200 with an empty body", async () => {
    srv = await scripted((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end();
    });
    const { err } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(ResponseValidationError);
    expect(err.message).toContain(
      "unusable response (200 OK): the body is empty; a JSON answer was expected",
    );
    expectUnknownCreate(err, srv.received.length);
  });

  test("200 with JSON cut short (the length header matching what was sent)", async () => {
    const text = JSON.stringify(created).slice(0, 30);
    srv = await scripted((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(text.length) });
      res.end(text);
    });
    const { err } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(ResponseValidationError);
    expect(err.message).toContain("the body is cut short: its JSON ends early after 30 bytes");
    expectUnknownCreate(err, srv.received.length);
  });

  test("200 whose JSON lacks the id the provider needs", async () => {
    srv = await scripted((_req, res) => json(res, 200, { ...created, id: undefined }));
    const { err } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(ResponseValidationError);
    expect(err.field).toBe("id");
    expect(err.message).toContain(
      'unexpected response (200 OK): field "id" is missing; the provider addresses the token by its id',
    );
    expectUnknownCreate(err, srv.received.length);
  });

  test("the connection closes in the middle of the body", async () => {
    srv = await scripted((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('{"id":"tok-1","accessPol');
      setTimeout(() => req.socket.destroy(), 50);
    });
    const { err } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.status).toBe(200);
    expect(err.message).toContain(
      "network error: the connection closed after 24 bytes of the response body (200 OK), before it was complete",
    );
    expectUnknownCreate(err, srv.received.length);
  });
});

describe("size cap", () => {
  test.each([
    ["streamed without a length", false],
    ["announced by Content-Length", true],
  ])("a 50 MB body %s is refused at the cap, not read whole", async (_label, declareLength) => {
    srv = await scripted((_req, res) => flood(res, 50 * 1024 * 1024, declareLength));
    const c = client(srv.url, { maxResponseBytes: 1024 * 1024, timeoutMs: 10_000 });
    const before = process.memoryUsage().rss;
    const { err, ms } = await timed(getStack(c, "huge"));
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err.limitBytes).toBe(1024 * 1024);
    expect(err.message).toContain(
      "GET /api/instances/huge failed: the response body (200 OK) exceeds the limit of 1048576 bytes",
    );
    // Deterministic: not retried.
    expect(srv.received).toHaveLength(1);
    // A hang detector, not a performance goal: the body is not read to its end.
    expect(ms).toBeLessThan(5000);
    // Reading 50 MB whole took hundreds of MB; stopping at the cap takes a small fraction.
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  test("the default cap is a few megabytes", async () => {
    srv = await scripted((_req, res) => flood(res, 50 * 1024 * 1024, false));
    const err = (await timed(getStack(client(srv.url, { timeoutMs: 10_000 }), "huge"))).err;
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err.limitBytes).toBe(5 * 1024 * 1024);
  });
});

describe("answers nobody reads", () => {
  test("a delete answered 200 with HTML succeeds: its body is not used", async () => {
    srv = await scripted((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<p>deleted</p>");
    });
    await expect(deleteToken(client(srv.url), "us", "tok-1")).resolves.toBeUndefined();
  });

  test("an error status with an HTML page keeps the status and quotes the page's title", async () => {
    srv = await scripted((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>");
    });
    const { err } = await timed(
      client(srv.url, { maxRetries: 0 }).request({ method: "GET", path: path`/api/x`, schema: z.unknown() }),
    );
    expect(err.status).toBe(502);
    expect(err.apiMessage).toBe("502 Bad Gateway");
  });
});
