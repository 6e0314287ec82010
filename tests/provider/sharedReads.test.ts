/**
 * Reads of one collection in one provider process share its list (provider/api/sharedReads.ts):
 * the call counts of a refresh, and the rules that keep the shared list honest (never older than
 * the process's own writes; whatever it cannot vouch for is a GET).
 *
 * Each test loads the providers afresh (jest.isolateModules), as a new `pulumi refresh` starts a
 * new provider process: the shared lists live with the process's API client.
 */
import type * as PluginModule from "../../provider/resources/pluginInstallation";
import type * as PolicyModule from "../../provider/resources/accessPolicy";
import type * as TokenModule from "../../provider/resources/token";
import type * as TokensApi from "../../provider/api/tokens";
import type * as HttpModule from "../../provider/client/http";
import { json, startServer } from "../api/server";
import type { RequestLogEntry } from "../support/emulatorClient";
import { useEmulator, type TestEmulator } from "./emulatorEnv";

type Props = Record<string, unknown>;

interface Process {
  token: (typeof TokenModule)["token"]["provider"];
  policy: (typeof PolicyModule)["accessPolicy"]["provider"];
  plugin: (typeof PluginModule)["pluginInstallation"]["provider"];
}

/** The providers as a new provider process has them: nothing shared yet. */
function newProcess(): Process {
  let p: Process | undefined;
  jest.isolateModules(() => {
    p = {
      token: (require("../../provider/resources/token") as typeof TokenModule).token.provider,
      policy: (require("../../provider/resources/accessPolicy") as typeof PolicyModule).accessPolicy.provider,
      plugin: (require("../../provider/resources/pluginInstallation") as typeof PluginModule)
        .pluginInstallation.provider,
    };
  });
  return p!;
}

/** Runs `jobs` at most `n` at a time, as the engine runs refresh steps (`--parallel`). */
async function pool<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return results;
}

const calls = (log: RequestLogEntry[]) =>
  log.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "{id}")}`);

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ rateLimitPerHour: 0, readinessDelayMs: 0 });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

async function makePolicy(name: string, region = "us"): Promise<string> {
  const r = await em.api("POST", `/api/v1/accesspolicies?region=${region}`, {
    name,
    scopes: ["metrics:read"],
    realms: [{ type: "org", identifier: "1" }],
  });
  expect(r.status).toBe(200);
  return r.body.id;
}

async function makeToken(policyId: string, name: string, extra: Props = {}, region = "us"): Promise<string> {
  const r = await em.api("POST", `/api/v1/tokens?region=${region}`, {
    accessPolicyId: policyId,
    name,
    ...extra,
  });
  expect(r.status).toBe(200);
  return r.body.id;
}

/** What state holds for a token the program made (the read needs its region and keeps its secret). */
const tokenProps = (region = "us"): Props => ({ region, token: "glc_kept" });
const policyProps = (region = "us"): Props => ({ region, realms: [{ type: "org", identifier: "1" }] });

/** The token as GET answers it, in the provider's outputs. */
async function expectedToken(id: string) {
  const t = (await em.api("GET", `/api/v1/tokens/${id}?region=us`)).body;
  return {
    region: "us",
    accessPolicyId: t.accessPolicyId,
    name: t.name,
    displayName: t.displayName,
    ...(t.expiresAt ? { expiresAt: t.expiresAt } : {}),
    token: "glc_kept",
    tokenId: id,
    tokenName: t.name,
    readyForRotation: false,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

describe("reads of one collection in one process share its list", () => {
  test("a lone read is one GET", async () => {
    const policyId = await makePolicy("p");
    const tokenId = await makeToken(policyId, "t");
    const { token, policy } = newProcess();
    await em.clearRequests();
    expect((await token.read(tokenId, tokenProps())).id).toBe(tokenId);
    expect((await policy.read(policyId, policyProps())).id).toBe(policyId);
    expect(calls(await em.requests())).toEqual([
      "GET /api/v1/tokens/{id}",
      "GET /api/v1/accesspolicies/{id}",
    ]);
  });

  test("a refresh of 20 policies + 100 tokens costs 4 calls and reads what GET reads", async () => {
    const policyIds: string[] = [];
    for (let i = 0; i < 20; i++) policyIds.push(await makePolicy(`p${i}`));
    const tokenIds: string[] = [];
    for (let i = 0; i < 100; i++) tokenIds.push(await makeToken(policyIds[i % 20]!, `t${i}`));
    const { token, policy } = newProcess();
    await em.clearRequests();
    type Read = { id?: string; props?: Props };
    const reads = await pool<Read>(8, [
      ...policyIds.map((id) => () => policy.read(id, policyProps())),
      ...tokenIds.map((id) => () => token.read(id, tokenProps())),
    ]);
    const made = calls(await em.requests());
    expect(made.sort()).toEqual([
      "GET /api/v1/accesspolicies",
      "GET /api/v1/accesspolicies/{id}",
      "GET /api/v1/tokens",
      "GET /api/v1/tokens/{id}",
    ]);
    // Each read answers what a GET of its own object answers.
    for (const [i, id] of tokenIds.entries()) {
      expect(reads[20 + i]).toEqual({
        id,
        props: await expectedToken(id),
        inputs: expect.objectContaining({ name: `t${i}` }),
      });
    }
    for (const [i, id] of policyIds.entries()) {
      const p = (await em.api("GET", `/api/v1/accesspolicies/${id}?region=us`)).body;
      expect(reads[i]?.props).toMatchObject({
        policyId: id,
        name: p.name,
        displayName: p.displayName,
        scopes: p.scopes,
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
      });
    }
  });

  test.each([
    [10, 2],
    [100, 2],
    [1000, 3],
  ])(
    "reads of %i tokens cost %i calls: one GET, then the list's pages of 500",
    async (n, expected) => {
      const policyId = await makePolicy("p");
      const ids = await pool(
        8,
        Array.from({ length: n }, (_, i) => () => makeToken(policyId, `t${i}`)),
      );
      const { token } = newProcess();
      await em.clearRequests();
      const reads = await pool(
        8,
        ids.map((id) => () => token.read(id, tokenProps())),
      );
      expect(reads.every((r, i) => r.id === ids[i])).toBe(true);
      const log = await em.requests();
      expect(log).toHaveLength(expected);
      expect(log.filter((r) => r.path === "/api/v1/tokens").map((r) => r.query["pageSize"])).toEqual(
        Array(expected - 1).fill("500"),
      );
    },
    120_000,
  );

  test("the list never answers older than the process's own writes", async () => {
    const policyId = await makePolicy("p");
    const ids = [await makeToken(policyId, "a"), await makeToken(policyId, "b")];
    const { token, policy } = newProcess();
    await pool(
      8,
      ids.map((id) => () => token.read(id, tokenProps())),
    );

    // An update through this process: the next read sees it.
    const olds = (await token.read(ids[1]!, tokenProps())).props!;
    const updated = await token.update(ids[1]!, olds, {
      region: "us",
      accessPolicyId: policyId,
      name: "b",
      displayName: "B, renamed",
    });
    expect(updated.outs.displayName).toBe("B, renamed");
    expect((await token.read(ids[1]!, tokenProps())).props?.displayName).toBe("B, renamed");

    // A token this process creates after the list was read: found.
    const created = await token.create({ region: "us", accessPolicyId: policyId, name: "c" });
    expect((await token.read(created.id, tokenProps())).props?.name).toBe("c");

    // Deleting the policy through this process deletes its tokens: the token list is not trusted
    // after it, and every token reads as gone.
    await em.clearRequests();
    await policy.delete(policyId, policyProps());
    const after = await pool(
      8,
      [...ids, created.id].map((id) => () => token.read(id, tokenProps())),
    );
    expect(after).toEqual([{}, {}, {}]);
    const made = calls(await em.requests());
    expect(made[0]).toBe("DELETE /api/v1/accesspolicies/{id}");
    // Read afresh: a new list (the gone tokens then confirmed by a GET each), never the old one.
    expect(made.slice(1).sort()).toEqual([
      "GET /api/v1/tokens",
      "GET /api/v1/tokens/{id}",
      "GET /api/v1/tokens/{id}",
      "GET /api/v1/tokens/{id}",
    ]);
  });

  test("ids the list does not show are asked for alone: created after the list, expired, deleted", async () => {
    const policyId = await makePolicy("p");
    const soon = new Date(Date.now() + 60_000).toISOString();
    const kept = [
      await makeToken(policyId, "a"),
      await makeToken(policyId, "b"),
      await makeToken(policyId, "c"),
    ];
    const expiring = await makeToken(policyId, "expiring", { expiresAt: soon });
    const { token } = newProcess();
    // The first two reads: a GET, then the list (which shows every token so far).
    await token.read(kept[0]!, tokenProps());
    await token.read(kept[1]!, tokenProps());
    // Behind this process's back: a token made after the list was read, and one deleted.
    const later = await makeToken(policyId, "later");
    await em.api("DELETE", `/api/v1/tokens/${kept[2]}?region=us`);
    await em.clearRequests();
    // Made after the list: not in it, so a GET finds it.
    expect((await token.read(later, tokenProps())).props?.name).toBe("later");
    expect(calls(await em.requests())).toEqual(["GET /api/v1/tokens/{id}"]);

    // A new process after the token expired: the list leaves it out; its GET answers 404.
    await em.advanceClock(120);
    const next = newProcess().token;
    await em.clearRequests();
    const reads = await pool(
      8,
      [...kept, expiring].map((id) => () => next.read(id, tokenProps())),
    );
    expect(reads.map((r) => r.id)).toEqual([kept[0], kept[1], undefined, undefined]);
    expect(calls(await em.requests()).sort()).toEqual([
      "GET /api/v1/tokens",
      "GET /api/v1/tokens/{id}",
      "GET /api/v1/tokens/{id}",
      "GET /api/v1/tokens/{id}",
    ]);
  });

  test("plugins of one stack share the stack's plugin list", async () => {
    const stack = await em.api("POST", "/api/instances", { name: "s", slug: "sharedreads", region: "us" });
    expect(stack.status).toBe(200);
    await em.advanceClock(1);
    const plugins = ["grafana-clock-panel", "grafana-piechart-panel", "grafana-worldmap-panel"];
    for (const plugin of plugins) {
      const r = await em.api("POST", "/api/instances/sharedreads/plugins", { plugin, version: "latest" });
      expect(r.status).toBe(200);
    }
    const lone = newProcess().plugin;
    await em.clearRequests();
    expect((await lone.read(`sharedreads/${plugins[0]}`, { version: "latest" })).id).toBe(
      `sharedreads/${plugins[0]}`,
    );
    expect(calls(await em.requests())).toEqual([`GET /api/instances/sharedreads/plugins/${plugins[0]}`]);

    const { plugin } = newProcess();
    await em.clearRequests();
    const reads = await pool(
      8,
      plugins.map((p) => () => plugin.read(`sharedreads/${p}`, { version: "latest" })),
    );
    expect(reads.map((r) => r.props?.plugin)).toEqual(plugins);
    expect(calls(await em.requests()).sort()).toEqual([
      "GET /api/instances/sharedreads/plugins",
      `GET /api/instances/sharedreads/plugins/${plugins[0]}`,
    ]);
  });
});

describe("a list the reads cannot trust is not used", () => {
  const full = (id: string, displayName = `token ${id}`) => ({
    id,
    accessPolicyId: "p1",
    name: `t${id}`,
    displayName,
    expiresAt: null,
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
  });

  /** A scripted API: GET of one token answers `full`; the list answers `listed(id)` for each. */
  async function scripted(listed: (id: string) => Props) {
    const ids = ["1", "2", "3", "4"];
    return startServer((req, res) => {
      const url = new URL(req.url ?? "", "http://x");
      const one = /^\/api\/v1\/tokens\/(\w+)$/.exec(url.pathname);
      if (one) return json(res, 200, full(one[1]!));
      if (url.pathname === "/api/v1/tokens") {
        return json(res, 200, { items: ids.map(listed), metadata: { pagination: { nextPage: null } } });
      }
      json(res, 404, { code: "NotFound", message: "no such path" });
    });
  }

  async function readAll(url: string) {
    let api: typeof TokensApi | undefined;
    let http: typeof HttpModule | undefined;
    jest.isolateModules(() => {
      api = require("../../provider/api/tokens");
      http = require("../../provider/client/http");
    });
    const client = new http!.ApiClient({ baseUrl: url, token: "t" });
    return pool(
      8,
      ["1", "2", "3", "4"].map((id) => () => api!.readToken(client, "us", id)),
    );
  }

  test("items without the fields a read needs: every read is a GET", async () => {
    // The contract types list items loosely: here they carry only id, name and policy.
    const server = await scripted((id) => ({ id, name: `t${id}`, accessPolicyId: "p1" }));
    try {
      expect(await readAll(server.url)).toEqual(["1", "2", "3", "4"].map((id) => full(id)));
      const gets = server.requests.filter((r) => /^\/api\/v1\/tokens\/\w+/.test(r.url));
      expect(gets).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  test("a list whose item for the first read's object differs from GET's: every read is a GET", async () => {
    // Whole items, but the list shows another display name than GET for each token.
    const server = await scripted((id) => full(id, `listed ${id}`));
    try {
      expect(await readAll(server.url)).toEqual(["1", "2", "3", "4"].map((id) => full(id)));
      expect(server.requests.filter((r) => r.url.startsWith("/api/v1/tokens?"))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  test("a list that agrees with GET answers the later reads", async () => {
    const server = await scripted((id) => full(id));
    try {
      expect(await readAll(server.url)).toEqual(["1", "2", "3", "4"].map((id) => full(id)));
      expect(server.requests.map((r) => r.url.replace(/\?.*/, "")).sort()).toEqual([
        "/api/v1/tokens",
        "/api/v1/tokens/1",
      ]);
    } finally {
      await server.close();
    }
  });
});
