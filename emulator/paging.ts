import { invalid } from "./errors";
import { queryRecord, queryValue } from "./validation";

/**
 * Cursor paging of the v1 list endpoints (access policies and tokens):
 * `pageSize` (default and maximum 500) and an opaque `pageCursor`; the response's
 * `metadata.pagination.nextPage` is the path of the next page, or null on the last one.
 * The cursor names the last item's creation sequence number, so deletions between pages never
 * make a page skip or repeat an item.
 */

export const MAX_PAGE_SIZE = 500;

export interface Pagination {
  pageSize: number;
  pageCursor: string;
  nextPage: string | null;
}

function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString("base64url");
}

function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "number" && Number.isInteger(parsed.after)) return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw invalid("pageCursor: invalid cursor");
}

/** `listPath` is the path as the API writes it in nextPage, e.g. `/v1/accesspolicies`. */
export function paginate<T extends { seq: number }>(
  items: readonly T[],
  query: unknown,
  listPath: string,
): { page: T[]; pagination: Pagination } {
  const sizeText = queryValue(query, "pageSize");
  let pageSize = MAX_PAGE_SIZE;
  if (sizeText !== undefined && sizeText !== "") {
    if (!/^\d+$/.test(sizeText) || Number(sizeText) < 1 || Number(sizeText) > MAX_PAGE_SIZE) {
      throw invalid(`pageSize: must be an integer between 1 and ${MAX_PAGE_SIZE}`);
    }
    pageSize = Number(sizeText);
  }
  const cursor = queryValue(query, "pageCursor") ?? "";
  const after = cursor === "" ? -Infinity : decodeCursor(cursor);
  const sorted = [...items].sort((a, b) => a.seq - b.seq).filter((i) => i.seq > after);
  const page = sorted.slice(0, pageSize);
  const last = page.at(-1);
  let nextPage: string | null = null;
  let nextCursor = "";
  if (sorted.length > pageSize && last !== undefined) {
    nextCursor = encodeCursor(last.seq);
    const params = new URLSearchParams(queryRecord(query));
    params.set("pageCursor", nextCursor);
    nextPage = `${listPath}?${params.toString()}`;
  }
  return { page, pagination: { pageSize, pageCursor: nextCursor, nextPage } };
}
