/**
 * What each resource says when the API refuses a create or an update, against the emulator in
 * both of its modes: as the service was observed (bad arguments are 409 `InvalidArgument` on
 * `/instances…` and 400 on the v1 routes; an unknown reference is 404) and exactly as the contract
 * says (409 `Conflict` for all of them). A bad argument is never reported as "already exists" or
 * "set adoptExisting", and its message says the API refused an argument, in the API's words; a
 * name that is really taken still says how to adopt it.
 */
import type { FaultSpec } from "../../emulator";
import { accessPolicy } from "../../provider/resources/accessPolicy";
import { pluginInstallation } from "../../provider/resources/pluginInstallation";
import { stack } from "../../provider/resources/stack";
import { stackApiKey } from "../../provider/resources/stackApiKey";
import { token } from "../../provider/resources/token";
import { releaseStackAdminKeys } from "../../provider/api/stackSession";
import { getClient } from "../../provider/config";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

interface Checkable {
  check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ inputs: Record<string, unknown> }>;
}
async function checked(p: Checkable, news: Record<string, unknown>) {
  return (await p.check({}, news)).inputs;
}

const REFUSED = /the API refused an argument: /;

describe.each([
  ["observed", false],
  ["contract", true],
])("refusals, emulator answering as %s", (_mode, strict) => {
  let em: TestEmulator;
  beforeAll(async () => {
    // Legacy API keys, so that StackApiKey meets its own route; service accounts are there in either mode.
    em = await useEmulator({
      readinessDelayMs: 0,
      slugReuseWindowMs: 0,
      strictContract: strict,
      stackApiKeys: "legacy",
    });
  });
  afterAll(async () => {
    await releaseStackAdminKeys(getClient());
    await em.close();
  });
  beforeEach(async () => {
    await releaseStackAdminKeys(getClient());
    await em.reset();
  });

  /** A bad-argument answer in this mode's form: observed 409 InvalidArgument (400 on v1), or 409 Conflict. */
  const invalidFault = (method: string, path: string, message: string, v1 = false): FaultSpec => ({
    method,
    path,
    kind: "status",
    count: 1,
    message,
    ...(strict ? { status: 409, code: "Conflict" } : { status: v1 ? 400 : 409, code: "InvalidArgument" }),
  });
  const posts = async (path: string) =>
    (await em.requests()).filter((r) => r.method === "POST" && r.path === path).length;
  const gets = async (re: RegExp) =>
    (await em.requests()).filter((r) => r.method === "GET" && re.test(r.path));
  const liveStacks = async () =>
    ((await em.state()).stacks as { status: string }[]).filter(
      (s) => s.status !== "deleted" && s.status !== "deleting",
    );
  const makeStack = (slug: string) =>
    em.api("POST", "/api/instances", { name: slug, slug, deleteProtection: false }).then((r) => {
      expect(r.status).toBe(200);
      return r.body as { id: number };
    });

  describe("Stack", () => {
    const provider = stack.provider;

    test("an unknown region is a refused argument, not a taken slug", async () => {
      const e = await rejection(
        provider.create(await checked(provider, { slug: "nowhere", region: "nowhere" })),
      );
      expect(e.message).toMatch(
        new RegExp(
          '^creating stack "nowhere" in region nowhere: the API refused an argument: stack region not found\\. ' +
            `Correct it and run again: Grafana Cloud API POST /api/instances failed: ${strict ? 409 : 404}`,
        ),
      );
      expect(e.message).not.toContain("adoptExisting");
      expect(await liveStacks()).toEqual([]);
    });

    test("a bad argument the provider could not see: no look-up, no adoption advice, the API's words", async () => {
      await em.fault(invalidFault("POST", "^/api/instances$", "Invalid url https://x.example specified"));
      const e = await rejection(
        provider.create(
          await checked(provider, { slug: "badarg", url: "https://x.example", adoptExisting: true }),
        ),
      );
      expect(e.message).toMatch(
        /^creating stack "badarg" in region us: the API refused an argument: Invalid url https:\/\/x\.example specified\. Correct it/,
      );
      expect(e.message).not.toMatch(/adoptExisting|taken/);
      expect(await gets(/^\/api\/instances\/badarg$/)).toEqual([]);
      expect(await posts("/api/instances")).toBe(1);
      expect(await liveStacks()).toEqual([]);
    });

    test("a slug that is taken still says how to adopt it", async () => {
      await makeStack("taken");
      const e = await rejection(provider.create(await checked(provider, { slug: "taken" })));
      expect(e.message).toMatch(/the slug is taken\. If the stack is yours .*set adoptExisting: true/);
      expect(e.message).toMatch(/POST \/api\/instances failed: 409 Conflict: That url is not available/);
    });

    test("a slug held by a stack this token cannot see: choose another, no adoption advice", async () => {
      await em.fault({
        method: "POST",
        path: "^/api/instances$",
        kind: "status",
        status: 409,
        code: "Conflict",
        message: "That url is not available",
        count: 1,
      });
      const e = await rejection(
        provider.create(await checked(provider, { slug: "elsewhere", adoptExisting: true })),
      );
      expect(e.message).toMatch(
        /the slug is taken by a stack this access token cannot see \(another organization's\); choose another slug/,
      );
      expect(e.message).not.toContain("adoptExisting");
    });

    test("a 409 that says neither, with nothing holding the slug: the API's words only", async () => {
      await em.fault({
        method: "POST",
        path: "^/api/instances$",
        kind: "status",
        status: 409,
        code: "Conflict",
        message: "Request could not be processed",
        count: 1,
      });
      const e = await rejection(provider.create(await checked(provider, { slug: "neither" })));
      expect(e.message).toMatch(
        /^creating stack "neither" in region us: the API refused the request: Request could not be processed: /,
      );
      expect(e.message).not.toMatch(/adoptExisting|taken/);
    });

    test("an update the API refuses says so, with its message", async () => {
      const made = await makeStack("upd");
      const olds = (await provider.read(String(made.id), { slug: "upd", deleteProtection: false })).props!;
      await em.fault(invalidFault("POST", `^/api/instances/${made.id}$`, "Invalid description specified"));
      const news = await checked(provider, { slug: "upd", description: "x", deleteProtection: false });
      const e = await rejection(provider.update(String(made.id), olds, news));
      expect(e.message).toMatch(
        new RegExp(
          `^updating stack "upd" \\(${made.id}\\): the API refused an argument: Invalid description specified`,
        ),
      );
    });
  });

  describe("AccessPolicy", () => {
    const provider = accessPolicy.provider;
    const news = (extra: Record<string, unknown> = {}) => ({
      region: "us",
      name: "ci",
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
      ...extra,
    });

    test("an unknown region is a refused argument", async () => {
      const e = await rejection(provider.create(await checked(provider, news({ region: "nowhere" }))));
      expect(e.message).toMatch(
        new RegExp(
          '^creating access policy "ci" in region nowhere: the API refused an argument: stack region not found\\. ' +
            `Correct it and run again: Grafana Cloud API POST /api/v1/accesspolicies\\?region=nowhere failed: ${strict ? 409 : 404}`,
        ),
      );
      expect(e.message).not.toMatch(/adoptExisting|already exists/);
    });

    test("a scope the API does not know: refused argument, not an existing policy", async () => {
      await em.fault(
        invalidFault("POST", "^/api/v1/accesspolicies$", "scopes: unknown scope frobs:read", true),
      );
      const e = await rejection(
        provider.create(await checked(provider, news({ scopes: ["frobs:read"], adoptExisting: true }))),
      );
      expect(e.message).toMatch(REFUSED);
      expect(e.message).toContain("unknown scope frobs:read");
      expect(e.message).toMatch(new RegExp(`failed: ${strict ? "409 Conflict" : "400 Bad Request"}`));
      expect(e.message).not.toMatch(/adoptExisting|already exists/);
      expect((await em.state()).accessPolicies).toEqual([]);
    });

    test("a name that is taken still says how to adopt it", async () => {
      await em.api("POST", "/api/v1/accesspolicies?region=us", news());
      const e = await rejection(provider.create(await checked(provider, news())));
      expect(e.message).toMatch(/already exists in this org and region.*Set adoptExisting: true/);
    });

    test("a 409 that says neither, with no policy of that name: the API's words only", async () => {
      await em.fault({
        method: "POST",
        path: "^/api/v1/accesspolicies$",
        kind: "status",
        status: 409,
        code: "Conflict",
        message: "Request could not be processed",
        count: 1,
      });
      const e = await rejection(provider.create(await checked(provider, news())));
      expect(e.message).toMatch(/: the API refused the request: Request could not be processed: /);
      expect(e.message).not.toMatch(/adoptExisting|already exists/);
    });
  });

  describe("Token", () => {
    const provider = token.provider;

    test("an unknown access policy is a refused argument, not an existing token", async () => {
      const e = await rejection(
        provider.create(
          await checked(provider, {
            region: "us",
            accessPolicyId: "0f0f0f0f-0000-0000-0000-000000000000",
            name: "ci",
          }),
        ),
      );
      expect(e.message).toMatch(
        new RegExp(
          '^creating token "ci" in region us: the API refused an argument: access policy 0f0f0f0f-0000-0000-0000-000000000000 not found\\. ' +
            `Correct it and run again: Grafana Cloud API POST /api/v1/tokens\\?region=us failed: ${strict ? 409 : 404}`,
        ),
      );
      expect(e.message).not.toContain("already exists");
    });

    test("a name that is taken says so (tokens cannot be adopted)", async () => {
      const policy = await em.api("POST", "/api/v1/accesspolicies?region=us", {
        name: "p",
        scopes: ["metrics:read"],
        realms: [{ type: "org", identifier: "1" }],
      });
      await em.api("POST", "/api/v1/tokens?region=us", { accessPolicyId: policy.body.id, name: "ci" });
      const e = await rejection(
        provider.create(
          await checked(provider, { region: "us", accessPolicyId: policy.body.id, name: "ci" }),
        ),
      );
      expect(e.message).toMatch(/a token with this name already exists .*Tokens cannot be adopted/);
    });
  });

  describe("PluginInstallation", () => {
    const provider = pluginInstallation.provider;

    test("a version the API refuses is a refused argument, not an installed plugin", async () => {
      await makeStack("plugs");
      await em.fault(
        invalidFault(
          "POST",
          "^/api/instances/plugs/plugins$",
          "Invalid version 9.9.9 specified for grafana-clock-panel",
        ),
      );
      const e = await rejection(
        provider.create(
          await checked(provider, {
            stackSlug: "plugs",
            plugin: "grafana-clock-panel",
            version: "9.9.9",
            adoptExisting: true,
          }),
        ),
      );
      expect(e.message).toMatch(
        /^installing plugin "grafana-clock-panel" \(version 9\.9\.9\) on stack "plugs": the API refused an argument: Invalid version 9\.9\.9/,
      );
      expect(e.message).not.toMatch(/adoptExisting|already installed/);
      expect((await em.state()).plugins).toEqual([]);
    });

    test("an installed plugin still says how to adopt it", async () => {
      await makeStack("plugs");
      await em.api("POST", "/api/instances/plugs/plugins", { plugin: "grafana-clock-panel" });
      const e = await rejection(
        provider.create(await checked(provider, { stackSlug: "plugs", plugin: "grafana-clock-panel" })),
      );
      expect(e.message).toMatch(/already installed on this stack.*Set adoptExisting: true/);
    });
  });

  describe("StackApiKey", () => {
    const provider = stackApiKey.provider;

    test("a name the API refuses is a refused argument, not an existing key", async () => {
      await makeStack("keys");
      await em.fault(invalidFault("POST", "^/api/instances/keys/api/auth/keys$", "Invalid name: reserved"));
      const e = await rejection(
        provider.create(await checked(provider, { stackSlug: "keys", name: "ci", role: "Viewer" })),
      );
      expect(e.message).toMatch(
        /^creating API key "ci" on stack "keys": the API refused an argument: Invalid name: reserved/,
      );
      expect(e.message).not.toContain("already exists");
    });

    test("a name that is taken says so (keys cannot be adopted)", async () => {
      await makeStack("keys");
      await em.api("POST", "/api/instances/keys/api/auth/keys", { name: "ci", role: "Viewer" });
      const e = await rejection(
        provider.create(await checked(provider, { stackSlug: "keys", name: "ci", role: "Viewer" })),
      );
      expect(e.message).toMatch(/an API key with this name already exists on the stack/);
    });
  });
});
