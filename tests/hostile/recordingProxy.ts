/**
 * A pass-through HTTP proxy for the resource-level hostile tests: it forwards every request to
 * the emulator as it comes, streams every answer back as it goes (an answer cut short or stalled
 * upstream is cut short or stalled here too), and records each answer's body. The tests read the
 * secrets the server handed out (created tokens and keys, even in answers the provider could not
 * use) from the record, to prove none of them reaches an error.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordingProxy {
  url: string;
  /** Every answer body seen so far, whole or as far as it came. */
  bodies: string[];
  /** Every secret (a `token` or `key` field's value) in the answers seen so far. */
  secrets(): string[];
  close(): Promise<void>;
}

const SECRET_FIELD = /"(?:token|key)"\s*:\s*"([^"\\]+)"/g;

export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const bodies: string[] = [];
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const up = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let text = "";
        let recorded = false;
        const record = () => {
          if (!recorded) bodies.push(text);
          recorded = true;
        };
        answer.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
          res.write(chunk);
        });
        answer.on("end", () => {
          record();
          res.end();
        });
        // Upstream cut the answer short: so does the proxy.
        answer.on("aborted", () => {
          record();
          res.destroy();
        });
        answer.on("error", () => {
          record();
          res.destroy();
        });
      },
    );
    // No answer upstream (a lost response, a reset): none here either.
    up.on("error", () => res.destroy());
    // The client gave up (a stalled answer): let the emulator see the connection close.
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    secrets: () => [...new Set(bodies.flatMap((b) => [...b.matchAll(SECRET_FIELD)].map((m) => m[1] ?? "")))],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
