/**
 * A scripted HTTP server for the hostile-server tests: each test hands it a script that may
 * misbehave in any way a server or a proxy can (trickle, stall, cut the connection, redirect,
 * echo credentials). It records every request it received, body included.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Script = (req: http.IncomingMessage, res: http.ServerResponse, n: number, body: string) => void;

export interface ScriptedServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function scripted(script: Script): Promise<ScriptedServer> {
  const received: Received[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      script(req, res, received.length, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearInterval(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sends headers, then `chunk` every `everyMs` until the client goes away; never ends. */
export function trickle(res: http.ServerResponse, status: number, chunk: string, everyMs: number): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.write(chunk);
  const t = setInterval(() => {
    if (res.destroyed || res.writableEnded) clearInterval(t);
    else res.write(chunk);
  }, everyMs);
  res.on("close", () => clearInterval(t));
}

/** Sends `total` bytes of JSON-looking filler in 1 MiB chunks, respecting backpressure. */
export function flood(res: http.ServerResponse, total: number, declareLength: boolean): void {
  res.writeHead(200, {
    "content-type": "application/json",
    ...(declareLength ? { "content-length": String(total) } : {}),
  });
  const chunk = Buffer.alloc(1024 * 1024, "a");
  let sent = 0;
  const pump = () => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!res.write(chunk.subarray(0, n))) {
        res.once("drain", pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
