/** One entry of `GET /_emulator/requests`; tests count API calls with it. */
export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The status sent; 0 when a fault reset the connection before any response. */
  status: number;
  durationMs: number;
  time: string;
  /** Set when an injected fault decided the outcome. */
  fault?: string;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
