import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  auth: string | undefined;
  /** The `x-request-id` header the client sent. */
  requestId: string | undefined;
  at: number;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

/** A real HTTP server on 127.0.0.1, port 0, that records requests and answers with `handler`. */
export async function startServer(handler: Handler) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      auth: req.headers.authorization,
      requestId: req.headers["x-request-id"] as string | undefined,
      at: Date.now(),
    });
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => handler(req, res, requests.length));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
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
