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

/** The part of a V8 call site this module reads. */
export interface Frame {
  getFileName(): string | null | undefined;
  getFunctionName(): string | null;
  toString(): string;
}

/** Where the SDK keeps `file` (its package root), if `file` is the SDK's module `module`. */
function sdkRootOf(file: string | null | undefined, module: string): string | undefined {
  const tail = path.join("@pulumi", "pulumi", module);
  return file?.endsWith(path.sep + tail) ? file.slice(0, file.length - module.length) : undefined;
}

/**
 * The SDK's package root if `frames` were taken by its function `name` in `module` (its own
 * `new Error()`). Read from the frame rather than resolved, so a second copy of the SDK (one
 * nested under this package, say) is recognised as well.
 */
function takenBy(frames: readonly Frame[], name: string, module: string): string | undefined {
  const first = frames[0];
  return first?.getFunctionName() === name ? sdkRootOf(first.getFileName(), module) : undefined;
}

/** The SDK's root if `frames` is the stack the SDK's Resource.callsites() reads. */
export function registrationStackSdk(frames: readonly Frame[]): string | undefined {
  return takenBy(frames, "callsites", "resource.js");
}

/** Whether `frames` is a promise's debugging stack that the SDK will not print. */
export function isUnprintedPromiseStack(
  frames: readonly Frame[],
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return (
    !env["PULUMI_DEBUG_PROMISE_LEAKS"] &&
    takenBy(frames, "debuggablePromise", path.join("runtime", "debuggable.js")) !== undefined
  );
}

/**
 * `own`: this package; `loader`: what runs the program (the SDK's run loop and automation, the
 * TypeScript loader, bundled or the project's own); `sdk`: the rest of the SDK (a component's
 * constructor, an `apply`); `internal`: Node.js; `user`: the program and its libraries.
 */
type Where = "own" | "loader" | "sdk" | "internal" | "user";

const LOADERS = ["ts-node", "source-map-support"].map(
  (p) => `${path.sep}node_modules${path.sep}${p}${path.sep}`,
);

function where(frame: Frame, roots: { own: string; sdk: string }): Where {
  const file = frame.getFileName();
  if (!file || file.startsWith("node:")) return "internal";
  if (file.startsWith(roots.own)) return "own";
  if (file.startsWith(roots.sdk)) {
    const inSdk = file.slice(roots.sdk.length);
    return ["cmd", "vendor", "automation"].some((d) => inSdk.startsWith(d + path.sep)) ? "loader" : "sdk";
  }
  return LOADERS.some((l) => file.includes(l)) ? "loader" : "user";
}

/**
 * The frames to show the SDK: everything up to and including our first frame (it stands for "the
 * resource's class"), then the user's frames (and Node's between them) up to the first frame of
 * what runs the program, without this package's or the SDK's own frames, and without the Node.js
 * internals just before that end. Unchanged if there is no frame of ours.
 */
export function trimFrames<F extends Frame>(frames: readonly F[], roots: { own: string; sdk: string }): F[] {
  const kinds = frames.map((f) => where(f, roots));
  const firstOwn = kinds.indexOf("own");
  if (firstOwn < 0) return [...frames];
  const user: F[] = [];
  for (let i = firstOwn + 1; i < frames.length && kinds[i] !== "loader"; i++) {
    if (kinds[i] === "user" || kinds[i] === "internal") user.push(frames[i]!);
  }
  let end = user.length;
  while (end > 0 && where(user[end - 1]!, roots) === "internal") end--;
  return [...frames.slice(0, firstOwn + 1), ...user.slice(0, end)];
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
  // Node 20 sets a formatter of its own (which applies --enable-source-maps); should none be set
  // while Node maps sources itself, the SDK's stack is left as it is rather than shown unmapped.
  if (!previous && process.sourceMapsEnabled) return () => undefined;
  const prepare: PrepareStackTrace = (error, frames) => {
    if (isUnprintedPromiseStack(frames)) return formatStack(error, frames);
    const sdk = registrationStackSdk(frames);
    const shown = sdk === undefined ? frames : trimFrames(frames, { own: OWN_ROOT, sdk });
    return previous ? previous(error, shown) : formatStack(error, shown);
  };
  errors.prepareStackTrace = prepare;
  return () => {
    if (errors.prepareStackTrace === prepare) errors.prepareStackTrace = previous;
  };
}
