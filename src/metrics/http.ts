// Counts answered HTTP requests by method and status for /metrics. Methods outside the usual set
// are folded into "OTHER" so a client cannot grow the label set without bound.
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export class HttpRequestCounter {
  private counts = new Map<string, number>();

  record(method: string, status: number) {
    const m = METHODS.has(method.toUpperCase()) ? method.toUpperCase() : "OTHER";
    const s = Number.isInteger(status) && status >= 100 && status <= 599 ? status : 0;
    const key = `${m} ${s}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  entries(): { method: string; status: number; count: number }[] {
    return [...this.counts].map(([k, count]) => {
      const [method, status] = k.split(" ") as [string, string];
      return { method, status: Number(status), count };
    });
  }
}
