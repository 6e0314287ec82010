/**
 * Reading a response body within limits: at most `limitBytes`, and not past the attempt's
 * deadline (a server may send headers and then trickle or stall the body; a socket idle timeout
 * does not notice a byte every few seconds).
 */
import type { Readable } from "node:stream";

export type BodyFailureKind =
  /** The deadline passed while the body was still arriving. */
  | "stalled"
  /** The body is larger than the limit. */
  | "too-large"
  /** The connection closed or failed before the body was complete. */
  | "cut";

export class BodyReadFailure {
  constructor(
    readonly kind: BodyFailureKind,
    /** Bytes received (after decompression) before the failure. */
    readonly receivedBytes: number,
    readonly cause?: string,
    readonly networkCode?: string,
  ) {}
}

/** Reads the whole body, or rejects with a `BodyReadFailure`; the stream is destroyed on failure. */
export function readBody(stream: Readable, limitBytes: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (outcome: Buffer | BodyReadFailure) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (outcome instanceof BodyReadFailure) {
        stream.destroy();
        reject(outcome);
      } else {
        resolve(outcome);
      }
    };
    const onAbort = () => settle(new BodyReadFailure("stalled", received));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    stream.on("data", (chunk: Buffer | string) => {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      received += buf.length;
      if (received > limitBytes) {
        settle(new BodyReadFailure("too-large", received));
        return;
      }
      chunks.push(buf);
    });
    stream.on("end", () => settle(Buffer.concat(chunks)));
    // The HTTP library may see the deadline's abort first and fail the stream with it: that is
    // still the deadline, not a broken connection.
    const cut = (cause: string, code?: string) =>
      settle(
        signal.aborted
          ? new BodyReadFailure("stalled", received)
          : new BodyReadFailure("cut", received, cause, code),
      );
    stream.on("error", (e: Error & { code?: string }) => cut(e.message, e.code));
    // `close` without `end`: the connection went away mid-body without an error event.
    stream.on("close", () => cut("connection closed"));
  });
}

/** What a body's bytes hold, as far as the client cares. */
export type ParsedBody =
  | { kind: "empty" }
  | { kind: "json"; value: unknown }
  | { kind: "not-json"; text: string; truncated: boolean };

export function parseBody(bytes: Buffer): ParsedBody {
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") return { kind: "empty" };
  try {
    return { kind: "json", value: JSON.parse(text) as unknown };
  } catch (e) {
    // A JSON text that ends early (a body cut short with a matching Content-Length, or a server
    // that wrote half of it) reads differently from one that is not JSON at all.
    const startsLikeJson = /^\s*[[{"]/.test(text);
    const endedEarly =
      e instanceof SyntaxError && /end of (json )?(input|data)|unterminated/i.test(e.message);
    return { kind: "not-json", text, truncated: startsLikeJson && endedEarly };
  }
}

/**
 * A short, single-line excerpt of a non-JSON error body for the message: the page title or the
 * text without tags (a proxy's HTML error page), at most 200 characters.
 */
export function excerpt(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const plain = (title ?? text.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<[^>]*>/gi, " "))
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
}
