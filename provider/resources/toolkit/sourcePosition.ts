/**
 * The source position and stack trace a resource registers with the engine, which keeps both in
 * state (`sourcePosition`, `stackTrace`) for every resource.
 *
 * The Pulumi SDK takes them from `new Error().stack` in its Resource constructor, with no limit on
 * the depth, and skips a fixed number of frames: it assumes the class the user called extends
 * CustomResource directly, so that the next frame is the user's. Ours sit two or three frames
 * deeper (the public class, resourceClass's class, GrafanaResource), so without help the engine
 * would record a line of this package as the resource's source position. And every frame after the
 * program's own (the language host's module loader, ts-node, the SDK's run loop) would be kept in
 * state too: about 1.4 KB of each resource's 4 KB, and the SDK maps each of those frames through
 * source maps, which is most of the CPU a program spends per resource.
 *
 * `trimRegistrationTrace` is set around the SDK's constructor: while it runs, the stack the SDK
 * reads keeps the SDK's frames above our first one (so its frame count still lines up), then
 * only the user's frames, up to the first frame of the SDK's run loop.
 *
 * Meanwhile the SDK also takes a stack for each of the dozens of promises it makes per resource
 * (one set per output property), which it prints only when PULUMI_DEBUG_PROMISE_LEAKS is set.
 * Unless it is, those stacks are formatted as V8 does, without the source-map look-ups of the
 * program's TypeScript loader: they cost the program more than all the rest of a resource.
 */
import * as path from "node:path";

/** The folder of this package's provider code (dist/provider when installed). */
const OWN_ROOT = path.resolve(__dirname, "..", "..") + path.sep;

/** The Pulumi SDK's folder, as the program resolves it (the SDK is a peer: one copy per program). */
let sdkRoot: string | undefined;
function pulumiRoot(): string {
  sdkRoot ??= path.dirname(require.resolve("@pulumi/pulumi/package.json")) + path.sep;
  return sdkRoot;
}

/** The part of a V8 call site this module reads. */
export interface Frame {
  getFileName(): string | null | undefined;
  getFunctionName(): string | null;
  toString(): string;
}

type Where = "own" | "sdk" | "internal" | "user";

function where(frame: Frame, roots: { own: string; sdk: string }): Where {
  const file = frame.getFileName();
  if (!file || file.startsWith("node:")) return "internal";
  if (file.startsWith(roots.own)) return "own";
  if (file.startsWith(roots.sdk)) return "sdk";
  return "user";
}

/** Whether `frames` were taken by the SDK's function `name` (its own `new Error()`). */
function takenBy(frames: readonly Frame[], name: string, sdk: string): boolean {
  const first = frames[0];
  return first?.getFunctionName() === name && (first.getFileName() ?? "").startsWith(sdk);
}

/** Whether `frames` is the stack the SDK's Resource.callsites() reads. */
export function isRegistrationStack(frames: readonly Frame[], sdk: string): boolean {
  return takenBy(frames, "callsites", sdk);
}

/** Whether `frames` is a promise's debugging stack that the SDK will not print. */
export function isUnprintedPromiseStack(
  frames: readonly Frame[],
  sdk: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return !env["PULUMI_DEBUG_PROMISE_LEAKS"] && takenBy(frames, "debuggablePromise", sdk);
}

/**
 * The frames to show the SDK: everything up to and including our first frame (it stands for "the
 * resource's class"), none of ours after it, then the user's frames up to the first SDK frame
 * (where the program was called from), without the Node.js internals just before it. Unchanged if
 * there is no frame of ours.
 */
export function trimFrames<F extends Frame>(frames: readonly F[], roots: { own: string; sdk: string }): F[] {
  const kinds = frames.map((f) => where(f, roots));
  const firstOwn = kinds.indexOf("own");
  if (firstOwn < 0) return [...frames];
  const kept = frames.slice(0, firstOwn + 1);
  let i = firstOwn + 1;
  while (i < frames.length && kinds[i] === "own") i++;
  const user: F[] = [];
  for (; i < frames.length && kinds[i] !== "sdk"; i++) user.push(frames[i]!);
  let end = user.length;
  while (end > 0 && where(user[end - 1]!, roots) === "internal") end--;
  return [...kept, ...user.slice(0, end)];
}

/** V8's own formatting, for when no other code has set Error.prepareStackTrace. */
function formatStack(error: Error, frames: readonly Frame[]): string {
  const head = Error.prototype.toString.call(error);
  return [head, ...frames.map((f) => `    at ${f.toString()}`)].join("\n");
}

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/**
 * Trims the stack the SDK reads while a resource registers; the returned function restores what
 * was there (call it in a `finally`). Other errors made meanwhile are formatted as before, by the
 * formatter that was set (the program's TypeScript loader sets one) or as V8 does.
 */
export function trimRegistrationTrace(): () => void {
  const errors = Error as { prepareStackTrace?: PrepareStackTrace | undefined };
  const previous = errors.prepareStackTrace;
  // Node's own source maps (--enable-source-maps) apply only while no formatter is set: then the
  // SDK's stack is left as it is rather than shown unmapped.
  if (!previous && process.sourceMapsEnabled) return () => undefined;
  const roots = { own: OWN_ROOT, sdk: pulumiRoot() };
  const prepare: PrepareStackTrace = (error, frames) => {
    if (isUnprintedPromiseStack(frames, roots.sdk)) return formatStack(error, frames);
    const shown = isRegistrationStack(frames, roots.sdk) ? trimFrames(frames, roots) : frames;
    return previous ? previous(error, shown) : formatStack(error, shown);
  };
  errors.prepareStackTrace = prepare;
  return () => {
    if (errors.prepareStackTrace === prepare) errors.prepareStackTrace = previous;
  };
}
