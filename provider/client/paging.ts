/**
 * Follows the v1 endpoints' cursor paging (`metadata.pagination.nextPage`, null on the last page)
 * to the end. The Terraform provider never followed `pageCursor`; we do.
 */
import { z } from "zod";
import type { ApiClient } from "./http";
import type { ApiPath } from "./path";

const pageSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    // One form of the contract marks `items` optional (and has no metadata): absent means none.
    items: z.array(item).nullish(),
    metadata: z
      .looseObject({
        pagination: z
          .looseObject({
            nextPage: z.string().nullish(),
            pageCursor: z.string().nullish(),
          })
          .nullish(),
      })
      .nullish(),
  });

/** Reads `pageCursor` out of a `nextPage` link such as `/v1/accesspolicies?pageCursor=abc`. */
export function cursorOf(nextPage: string | null | undefined): string | undefined {
  if (!nextPage) return undefined;
  const q = nextPage.indexOf("?");
  if (q < 0) return undefined;
  const cursor = new URLSearchParams(nextPage.slice(q + 1)).get("pageCursor");
  return cursor ? cursor : undefined;
}

/** One page of a cursor-paged list: its items and the cursor of the next page (none on the last). */
export async function listPage<T extends z.ZodType>(
  client: ApiClient,
  req: { path: ApiPath; query: Record<string, string | number | undefined>; item: T },
  cursor: string | undefined,
): Promise<{ items: z.output<T>[]; next: string | undefined }> {
  // The link's other parameters are not relied upon: the original query (region, filters) is
  // sent again with the new cursor, so a link that drops `region` still works.
  const body = await client.request({
    method: "GET",
    path: req.path,
    query: { ...req.query, pageCursor: cursor },
    schema: pageSchema(req.item),
  });
  return { items: body.items ?? [], next: cursorOf(body.metadata?.pagination?.nextPage) };
}

export async function paginate<T extends z.ZodType>(
  client: ApiClient,
  req: { path: ApiPath; query: Record<string, string | number | undefined>; item: T; maxPages?: number },
): Promise<z.output<T>[]> {
  const items: z.output<T>[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  const maxPages = req.maxPages ?? 10_000;
  for (let page = 0; page < maxPages; page++) {
    const { items: these, next } = await listPage(client, req, cursor);
    items.push(...these);
    if (!next || seen.has(next)) return items;
    seen.add(next);
    cursor = next;
  }
  return items;
}
