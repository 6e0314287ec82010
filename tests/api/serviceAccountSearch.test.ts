/**
 * The service-account search's paging (`page`, `perpage` in the query; `totalCount`, `page`,
 * `perPage` in the answer), followed to the end against servers that page in different ways.
 */
import { searchServiceAccounts } from "../../provider/api/serviceAccounts";
import { ApiClient } from "../../provider/client/http";
import { json, startServer } from "./server";

const ACCOUNTS = Array.from({ length: 7 }, (_, i) => ({ id: i + 2, name: `sa${i}` }));

/** A server holding ACCOUNTS that pages by `page` and `perpage`, at most `cap` per page. */
async function pagingServer(cap = Infinity) {
  return startServer((req, res) => {
    const q = new URL(req.url ?? "", "http://x").searchParams;
    const perPage = Math.min(Number(q.get("perpage") ?? 1000), cap);
    const page = Number(q.get("page") ?? 1);
    json(res, 200, {
      totalCount: ACCOUNTS.length,
      page,
      perPage,
      serviceAccounts: ACCOUNTS.slice((page - 1) * perPage, page * perPage),
    });
  });
}

const clientOf = (url: string) => new ApiClient({ baseUrl: url, token: "t", maxRetries: 0 });

test("follows every page: page and perpage asked, until totalCount arrived", async () => {
  const server = await pagingServer();
  try {
    expect(await searchServiceAccounts(clientOf(server.url), "s", { perPage: 3 })).toEqual(ACCOUNTS);
    expect(server.requests.map((r) => r.url)).toEqual([
      "/api/instances/s/api/serviceaccounts/search?page=1&perpage=3",
      "/api/instances/s/api/serviceaccounts/search?page=2&perpage=3",
      "/api/instances/s/api/serviceaccounts/search?page=3&perpage=3",
    ]);
  } finally {
    await server.close();
  }
});

test("a server holding smaller pages than asked: short pages are not the last", async () => {
  const server = await pagingServer(2);
  try {
    expect(await searchServiceAccounts(clientOf(server.url), "s", { query: "sa" })).toEqual(ACCOUNTS);
    expect(server.requests).toHaveLength(4);
    expect(server.requests[0]!.url).toBe(
      "/api/instances/s/api/serviceaccounts/search?query=sa&page=1&perpage=1000",
    );
  } finally {
    await server.close();
  }
});

test("a server that ignores page, or runs out before totalCount, ends the paging", async () => {
  const same = await startServer((_req, res) =>
    json(res, 200, { totalCount: 9, page: 1, perPage: 1000, serviceAccounts: ACCOUNTS.slice(0, 2) }),
  );
  const short = await startServer((req, res) => {
    const page = Number(new URL(req.url ?? "", "http://x").searchParams.get("page"));
    json(res, 200, {
      totalCount: 9,
      page,
      perPage: 1000,
      serviceAccounts: page === 1 ? ACCOUNTS.slice(0, 2) : [],
    });
  });
  try {
    expect(await searchServiceAccounts(clientOf(same.url), "s")).toEqual(ACCOUNTS.slice(0, 2));
    expect(same.requests).toHaveLength(2);
    expect(await searchServiceAccounts(clientOf(short.url), "s")).toEqual(ACCOUNTS.slice(0, 2));
    expect(short.requests).toHaveLength(2);
  } finally {
    await same.close();
    await short.close();
  }
});
