/**
 * Reads of many objects of one collection (the tokens of a region, the plugins of a stack) in one
 * process share the collection's list, so that `pulumi refresh` of 100 tokens costs a list page
 * instead of 100 GETs: the access-policy and token endpoints allow about 600 calls per hour per
 * token, and a refresh used to spend one per resource.
 *
 * The rules, per client and collection:
 * - The first read is one GET: a lone read (`pulumi refresh --target`) costs what it always did.
 *   Its answer also calibrates the list (below).
 * - Later reads use a list kept for the process: pages are fetched on demand, while an id asked
 *   for has not been seen, following the cursor, and never more pages than reads so far (an org
 *   with thousands of tokens and a refresh of three does not pay for the whole list).
 * - A list is never older than this process's own writes: any write to the collection (or to one
 *   whose changes reach it: deleting a policy deletes its tokens) that began after the list did, or
 *   was in flight when it began, retires it; a read then fetches afresh. A list is also retired
 *   after a minute, so a long run does not answer from an old one.
 * - Whatever the list cannot vouch for is a GET: an id the whole list does not show (deleted, or
 *   created after the list was read, or an expired token the list leaves out while GET still
 *   answers it), an item the list shows without the fields a read needs (the contract types list
 *   items loosely, and lists may answer thinner objects than GET), and everything once the list's
 *   item for the calibrating object differs from what GET answered for it.
 */
import type { z } from "zod";
import { clock } from "../clock";
import type { ApiClient, WriteWatch } from "../client/http";

/** How long a list may answer reads after its first page was asked for. */
export const LIST_MAX_AGE_MS = 60_000;

export interface Page<T> {
  /** The items of this page that parsed; each as GET would answer it, or undefined when too thin. */
  items: { id: string | undefined; value: T | undefined }[];
  /** The cursor of the next page; undefined on the last one. */
  next: string | undefined;
}

export interface Collection<T> {
  /** Names the collection within a client, e.g. `tokens us`. */
  key: string;
  /** One object by id, as GET answers it (throws as GET does, e.g. NotFoundError). */
  get(id: string): Promise<T>;
  /** One page of the list (the first without a cursor). */
  page(cursor: string | undefined): Promise<Page<T>>;
  /** The writes (API paths) that may change what the list shows. */
  changedBy(path: string): boolean;
  /** The fields a read uses, to compare the calibrating GET with the list's item. */
  project(value: T): unknown;
}

interface Snapshot<T> {
  /** `WriteWatch.begun` when its first page was asked for. */
  writesAt: number;
  startedAt: number;
  found: Map<string, T>;
  /** Ids the list shows without what a read needs. */
  thin: Set<string>;
  cursor: string | undefined;
  /** Cursors followed: one seen twice would page forever. */
  cursors: Set<string>;
  done: boolean;
  pages: number;
  fetching: Promise<void> | undefined;
}

interface State<T> {
  watch: WriteWatch;
  reads: number;
  snapshot: Snapshot<T> | undefined;
  /** The first read's GET: the object it answered (or undefined when it failed), by id. */
  calibration: { id: string; answer: Promise<T | undefined> } | undefined;
  /** False once a list disagreed with GET: every later read of the process is a GET. */
  trusted: boolean;
}

/** Per client (a provider process has one per configuration), per collection key. */
const states = new WeakMap<ApiClient, Map<string, State<unknown>>>();

function stateOf<T>(client: ApiClient, c: Collection<T>): State<T> {
  let byKey = states.get(client);
  if (!byKey) {
    byKey = new Map();
    states.set(client, byKey);
  }
  let state = byKey.get(c.key) as State<T> | undefined;
  if (!state) {
    state = {
      watch: client.watchWrites(c.changedBy),
      reads: 0,
      snapshot: undefined,
      calibration: undefined,
      trusted: true,
    };
    byKey.set(c.key, state as State<unknown>);
  }
  return state;
}

/** The snapshot still speaks for the collection: no write since it began, not too old. */
function current<T>(s: State<T>, snap: Snapshot<T> | undefined): snap is Snapshot<T> {
  return (
    snap !== undefined &&
    s.trusted &&
    s.watch.begun === snap.writesAt &&
    s.watch.inFlight === 0 &&
    clock.now() - snap.startedAt < LIST_MAX_AGE_MS
  );
}

async function fetchPage<T>(c: Collection<T>, s: State<T>, snap: Snapshot<T>): Promise<void> {
  const page = await c.page(snap.cursor);
  snap.pages += 1;
  for (const item of page.items) {
    if (item.id === undefined) continue;
    if (item.value === undefined) snap.thin.add(item.id);
    else snap.found.set(item.id, item.value);
  }
  snap.done = page.next === undefined || snap.cursors.has(page.next);
  if (page.next !== undefined) snap.cursors.add(page.next);
  snap.cursor = page.next;
  await calibrate(c, s, snap);
}

/** Compares the list's item for the first read's object with what GET answered for it. */
async function calibrate<T>(c: Collection<T>, s: State<T>, snap: Snapshot<T>): Promise<void> {
  const cal = s.calibration;
  if (!cal) return;
  const listed = snap.found.get(cal.id);
  if (listed === undefined) return;
  const answered = await cal.answer;
  if (answered === undefined) return;
  if (JSON.stringify(c.project(answered)) !== JSON.stringify(c.project(listed))) s.trusted = false;
  s.calibration = undefined;
}

/** Reads one object of the collection, sharing a list with the other reads of the process. */
export async function sharedRead<T>(client: ApiClient, c: Collection<T>, id: string): Promise<T> {
  const s = stateOf(client, c);
  s.reads += 1;
  if (s.reads === 1) {
    const answer = c.get(id);
    s.calibration = {
      id,
      answer: answer.then(
        (v) => v,
        () => undefined,
      ),
    };
    return answer;
  }
  // A write under way may or may not show in a list read now.
  if (!s.trusted || s.watch.inFlight > 0) return c.get(id);
  let snap = s.snapshot;
  if (!current(s, snap)) {
    snap = {
      writesAt: s.watch.begun,
      startedAt: clock.now(),
      found: new Map(),
      thin: new Set(),
      cursor: undefined,
      cursors: new Set(),
      done: false,
      pages: 0,
      fetching: undefined,
    };
    s.snapshot = snap;
  }
  for (;;) {
    if (!current(s, snap)) return c.get(id);
    const value = snap.found.get(id);
    if (value !== undefined) return value;
    if (snap.thin.has(id) || snap.done || snap.pages >= s.reads) return c.get(id);
    if (!snap.fetching) {
      const fetching = snap;
      fetching.fetching = fetchPage(c, s, fetching)
        // A list that fails is not asked again; its reads ask for their objects alone.
        .catch(() => {
          fetching.done = true;
        })
        .finally(() => {
          fetching.fetching = undefined;
        });
    }
    await snap.fetching;
  }
}

/**
 * A list item as a read may use it: parsed by GET's schema and carrying every key in `required`
 * (fields a read needs whose absence would pass for a value: a list that leaves them out is too
 * thin to answer for GET). `value` is undefined for such an item; `id` still names it.
 */
export function listItem<S extends z.ZodType>(
  raw: unknown,
  schema: S,
  required: readonly string[],
  idOf: (raw: Record<string, unknown>) => unknown,
): { id: string | undefined; value: z.output<S> | undefined } {
  if (raw === null || typeof raw !== "object") return { id: undefined, value: undefined };
  const bag = raw as Record<string, unknown>;
  const rawId = idOf(bag);
  const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : undefined;
  const parsed = schema.safeParse(raw);
  const whole = parsed.success && required.every((k) => k in bag);
  return { id, value: whole ? (parsed.data as z.output<S>) : undefined };
}
