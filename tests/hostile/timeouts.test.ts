/**
 * Every call ends within its budget, whatever the server does: a body trickled a byte at a time
 * (which a socket idle timeout never notices), a body that stops, no answer at all.
 */
import { createToken } from "../../provider/api/tokens";
import { getStack } from "../../provider/api/stacks";
import { isOutcomeUnknown, TimeoutError } from "../../provider/client/errors";
import { FAST, client, timed } from "./helpers";
import { scripted, trickle, type ScriptedServer } from "./server";

let srv: ScriptedServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

const tokenBody = { accessPolicyId: "p1", name: "t1" };

describe("bounded time", () => {
  test("a create whose body trickles a byte every 100 ms ends at the attempt's deadline, as a timeout", async () => {
    srv = await scripted((_req, res) => trickle(res, 200, " ", 100));
    const { err, ms } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(
      /POST \/api\/v1\/tokens\?region=us failed: the response body stalled after \d+ bytes: 200 OK arrived, but its body did not complete within 800 ms/,
    );
    expect(err.message).not.toMatch(/200 Error/);
    expect(err.receivedBytes).toBeGreaterThan(0);
    // The create may have been applied: said, flagged, and not sent a second time.
    expect(err.outcome).toBe("unknown");
    expect(isOutcomeUnknown(err)).toBe(true);
    expect(err.message).toMatch(/The request may have been applied$/);
    expect(srv.received).toHaveLength(1);
    expect(ms).toBeLessThan(FAST.timeoutMs + 1500);
  });

  test("a read against a trickling server is retried, and the call still ends within its budget", async () => {
    srv = await scripted((_req, res) => trickle(res, 200, "{", 100));
    const { err, ms } = await timed(getStack(client(srv.url), "trickle"));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(
      /GET \/api\/instances\/trickle failed: the response body stalled after \d+ bytes/,
    );
    expect(err.attempts).toBeGreaterThan(1);
    expect(srv.received.length).toBe(err.attempts);
    // No call outlasts the larger of its budget and one attempt's limit (plus scheduling slack).
    expect(ms).toBeLessThan(Math.max(FAST.retryBudgetMs, FAST.timeoutMs) + 1500);
  });

  test("a body that stops after a few bytes says how many arrived", async () => {
    srv = await scripted((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "200" });
      res.write('{"id": "tok-1", ');
    });
    const { err, ms } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.receivedBytes).toBe(16);
    expect(err.message).toContain("the response body stalled after 16 bytes");
    expect(err.outcome).toBe("unknown");
    expect(ms).toBeLessThan(FAST.timeoutMs + 1500);
  });

  test("a server that never answers: no response within the limit", async () => {
    srv = await scripted(() => undefined);
    const { err, ms } = await timed(createToken(client(srv.url), "us", tokenBody));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.status).toBeUndefined();
    expect(err.message).toContain("failed: no response within 800 ms");
    expect(err.outcome).toBe("unknown");
    expect(srv.received).toHaveLength(1);
    expect(ms).toBeLessThan(FAST.timeoutMs + 1500);
  });

  test("the last attempt is cut where the call's budget ends, and the error says so", async () => {
    srv = await scripted(() => undefined);
    // Attempt 1 runs its full 1200 ms; attempt 2 starts at about 1210 ms with 1190 ms of budget left.
    const c = client(srv.url, { timeoutMs: 1200, retryBudgetMs: 2400 });
    const { err, ms } = await timed(getStack(c, "silent"));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.attempts).toBe(2);
    expect(err.timeoutMs).toBeLessThan(1200);
    expect(err.message).toMatch(/no response within \d+ ms \(the rest of the call's time budget\)/);
    expect(ms).toBeLessThan(2400 + 1000);
  });
});
