/**
 * Adoption of existing objects (the `import` option does not work for dynamic providers):
 * `adoptExisting: true` takes the object over and updates it to the declared configuration;
 * without it the conflict error says the object exists and how to adopt it. Tokens and stack API
 * keys cannot be adopted (their secret is shown only at creation): asking is a check failure.
 */
import { accessPolicy } from "../../provider/resources/accessPolicy";
import { pluginInstallation } from "../../provider/resources/pluginInstallation";
import { stack } from "../../provider/resources/stack";
import { stackApiKey } from "../../provider/resources/stackApiKey";
import { token } from "../../provider/resources/token";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const accessPolicyProvider = accessPolicy.provider;
const pluginInstallationProvider = pluginInstallation.provider;
const stackProvider = stack.provider;
const stackApiKeyProvider = stackApiKey.provider;
const tokenProvider = token.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0 });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

type Provider = {
  check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{
    inputs?: Record<string, unknown>;
    failures?: { property: string; reason: string }[];
  }>;
};
async function checked(p: Provider, news: Record<string, unknown>) {
  const r = await p.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

describe("adoptExisting", () => {
  test("Stack: adopts a stack with the same slug and updates it; without the flag, says how", async () => {
    const existing = await em.api("POST", "/api/instances", {
      name: "Old name",
      slug: "adopted",
      description: "made by hand",
      deleteProtection: false,
    });
    expect(existing.status).toBe(200);

    const plain = await checked(stackProvider, {
      slug: "adopted",
      name: "New name",
      deleteProtection: false,
    });
    const e = await rejection(stackProvider.create(plain));
    expect(e.message).toMatch(/the slug is taken.*set adoptExisting: true to take it over/);
    expect(e.message).toMatch(/POST \/api\/instances failed: 409/);

    const adopt = await checked(stackProvider, {
      slug: "adopted",
      name: "New name",
      labels: { team: "obs" },
      deleteProtection: false,
      adoptExisting: true,
    });
    const created = await stackProvider.create(adopt);
    expect(created.id).toBe(String(existing.body.id));
    expect(created.outs).toMatchObject({ name: "New name", labels: { team: "obs" }, adoptExisting: true });
    const held = (await em.api("GET", "/api/instances/adopted")).body;
    expect(held).toMatchObject({ id: existing.body.id, name: "New name", labels: { team: "obs" } });
    // The description was not declared: adopting it declares it empty.
    expect(held.description ?? "").toBe("");
    expect((await em.state()).stacks).toHaveLength(1);
  });

  test("AccessPolicy: adopts a policy with the same name and region and updates it; without the flag, says how", async () => {
    const existing = await em.api("POST", "/api/v1/accesspolicies?region=eu", {
      name: "ci",
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
    });
    expect(existing.status).toBe(200);
    const declared = {
      region: "eu",
      name: "ci",
      displayName: "CI",
      scopes: ["metrics:read", "logs:read"],
      realms: [{ type: "org", identifier: "1" }],
    };

    const e = await rejection(accessPolicyProvider.create(await checked(accessPolicyProvider, declared)));
    expect(e.message).toMatch(
      /already exists in this org and region \(perhaps made by an interrupted run\)\. Set adoptExisting: true to take it over/,
    );

    const created = await accessPolicyProvider.create(
      await checked(accessPolicyProvider, { ...declared, adoptExisting: true }),
    );
    expect(created.id).toBe(existing.body.id);
    const held = (await em.api("GET", `/api/v1/accesspolicies/${existing.body.id}?region=eu`)).body;
    expect(held.displayName).toBe("CI");
    expect([...held.scopes].sort()).toEqual(["logs:read", "metrics:read"]);
    expect((await em.state()).accessPolicies).toHaveLength(1);
  });

  test("PluginInstallation: adopts an installed plugin and sets the declared version; without the flag, says how", async () => {
    await em.api("POST", "/api/instances", { name: "plugs", slug: "plugs", deleteProtection: false });
    const installed = await em.api("POST", "/api/instances/plugs/plugins", {
      plugin: "grafana-github-datasource",
      version: "1.3.0",
    });
    expect(installed.status).toBe(200);

    const pinned = { stackSlug: "plugs", plugin: "grafana-github-datasource", version: "1.3.1" };
    const e = await rejection(
      pluginInstallationProvider.create(await checked(pluginInstallationProvider, pinned)),
    );
    expect(e.message).toMatch(
      /already installed on this stack \(perhaps by an interrupted run\)\. Set adoptExisting: true to take it over/,
    );

    const adopted = await pluginInstallationProvider.create(
      await checked(pluginInstallationProvider, { ...pinned, adoptExisting: true }),
    );
    expect(adopted.id).toBe("plugs/grafana-github-datasource");
    expect(adopted.outs).toMatchObject({
      installationId: installed.body.id,
      version: "1.3.1",
      installedVersion: "1.3.1",
      adoptExisting: true,
    });
    expect((await em.api("GET", "/api/instances/plugs/plugins/grafana-github-datasource")).body.version).toBe(
      "1.3.1",
    );

    // Adopting with `latest` brings it to the newest version, the one `latest` installs.
    await pluginInstallationProvider.delete(adopted.id, adopted.outs);
    await em.api("POST", "/api/instances/plugs/plugins", {
      plugin: "grafana-github-datasource",
      version: "1.3.0",
    });
    const latest = await pluginInstallationProvider.create(
      await checked(pluginInstallationProvider, {
        stackSlug: "plugs",
        plugin: "grafana-github-datasource",
        adoptExisting: true,
      }),
    );
    expect(latest.outs).toMatchObject({ version: "latest", installedVersion: "1.5.7" });
    expect((await em.state()).plugins).toHaveLength(1);
  });

  test("Token: adoptExisting is a check failure that says why", async () => {
    const r = await tokenProvider.check(
      {},
      { region: "us", accessPolicyId: "p", name: "ci", adoptExisting: true },
    );
    expect(r.failures).toEqual([
      {
        property: "adoptExisting",
        reason: expect.stringMatching(
          /^adoptExisting: tokens cannot be adopted: the API shows a token's secret only when it is created/,
        ),
      },
    ]);
  });

  test("StackApiKey: adoptExisting is a check failure that says why", async () => {
    const r = await stackApiKeyProvider.check(
      {},
      { stackSlug: "keys", name: "ci", role: "Viewer", adoptExisting: true },
    );
    expect(r.failures).toEqual([
      {
        property: "adoptExisting",
        reason: expect.stringMatching(
          /^adoptExisting: stack API keys cannot be adopted: the API shows a key's secret only when it is created/,
        ),
      },
    ]);
    // `false` is accepted (and changes nothing).
    expect(
      (
        await stackApiKeyProvider.check(
          {},
          { stackSlug: "keys", name: "ci", role: "Viewer", adoptExisting: false },
        )
      ).failures,
    ).toBeUndefined();
  });
});
