/**
 * The Grafana Cloud API never redirects. A redirect is reported, naming its target, and never
 * followed: the target (another host, plain http) gets nothing, a POST body is not sent again,
 * and nothing from the target is taken for the API's answer.
 */
import { createToken } from "../../provider/api/tokens";
import { getStack } from "../../provider/api/stacks";
import { listStackApiKeys } from "../../provider/api/stackKeys";
import { isOutcomeUnknown, RedirectError } from "../../provider/client/errors";
import { client, leaks, timed, TOKEN } from "./helpers";
import { json, scripted, type ScriptedServer } from "./server";

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The server a redirect points at: it would answer like the API, unauthenticated. */
async function target(): Promise<ScriptedServer> {
  const t = await scripted((_req, res) =>
    json(res, 200, {
      id: 1,
      orgId: 1,
      orgSlug: "o",
      name: "evil",
      slug: "evil",
      url: "http://x",
      status: "active",
    }),
  );
  servers.push(t);
  return t;
}

async function redirecting(status: number, location: string): Promise<ScriptedServer> {
  const s = await scripted((_req, res) => {
    res.writeHead(status, { location });
    res.end();
  });
  servers.push(s);
  return s;
}

describe("redirects", () => {
  test("301 to another host: reported with the target, not followed", async () => {
    const t = await target();
    // Another host name for the same machine: what matters is that nothing reaches it.
    const to = `${t.url.replace("127.0.0.1", "localhost")}/api/instances/x`;
    const api = await redirecting(301, to);
    const { err } = await timed(getStack(client(api.url), "x"));
    expect(err).toBeInstanceOf(RedirectError);
    expect(err.status).toBe(301);
    expect(err.location).toBe(to);
    expect(err.message).toContain(
      `GET /api/instances/x failed: 301 Moved Permanently redirecting to ${to}; the Grafana Cloud APIs do not redirect, so the redirect was not followed`,
    );
    expect(t.received).toHaveLength(0);
    // Not retried either: the same answer would come back.
    expect(api.received).toHaveLength(1);
    expect(err.outcome).toBe("not-applied");
  });

  test("307 on a create to a plain-http host: the body is not sent again, nothing was applied", async () => {
    const t = await target();
    const api = await redirecting(307, `${t.url}/steal`);
    const { err } = await timed(createToken(client(api.url), "us", { accessPolicyId: "p1", name: "t1" }));
    expect(err).toBeInstanceOf(RedirectError);
    expect(err.message).toContain(`307 Temporary Redirect redirecting to ${t.url}/steal`);
    expect(err.message).toContain("Check the API URL");
    expect(t.received).toHaveLength(0);
    expect(api.received).toHaveLength(1);
    expect(api.received[0]?.body).toBe('{"accessPolicyId":"p1","name":"t1"}');
    expect(isOutcomeUnknown(err)).toBe(false);
  });

  test("a relative Location is shown as the absolute URL it points to", async () => {
    const api = await redirecting(302, "/login?next=%2Fapi");
    const { err } = await timed(getStack(client(api.url), "x"));
    expect(err.location).toBe(`${api.url}/login?next=%2Fapi`);
  });

  test("a redirect target carrying the access token shows it redacted", async () => {
    const api = await redirecting(308, `https://evil.example/collect?t=${encodeURIComponent(TOKEN)}`);
    const { err } = await timed(getStack(client(api.url), "x"));
    expect(err.location).toBe("https://evil.example/collect?t=[REDACTED]");
    expect(leaks(err, [TOKEN])).toEqual([]);
  });

  test("a stack URL that redirects: the Admin key is not sent on, and the error points at the stack", async () => {
    const t = await target();
    const stack = await redirecting(302, `${t.url}/login`);
    const { err } = await timed(
      listStackApiKeys(client(stack.url), `${stack.url}/grafana/s`, "eyJrIjoiYWRtaW4ta2V5In0="),
    );
    expect(err).toBeInstanceOf(RedirectError);
    expect(err.message).toContain(
      "GET /grafana/s/api/auth/keys?includeExpired=true failed: 302 Found redirecting to",
    );
    expect(err.message).toContain("The stack's URL answered with a redirect");
    expect(t.received).toHaveLength(0);
  });
});
