// A real WebSocket client (Bun's) that records what it receives and lets a test wait for a
// message or the close, without sleeping.
export interface Received {
  ws: WebSocket;
  messages: any[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor(pred: (m: any) => boolean): Promise<any>;
}

export function connect(url: string, opts: { headers?: Record<string, string> } = {}): Received {
  const ws = new WebSocket(url, opts.headers ? ({ headers: opts.headers } as any) : undefined);
  const messages: any[] = [];
  const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message ?? "websocket error"));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason });
  });
  opened.catch(() => {});
  return {
    ws,
    messages,
    opened,
    closed,
    waitFor(pred) {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** An HTTP request that asks for a WebSocket upgrade: a refused upgrade answers like any request. */
export function upgradeRequest(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13", ...headers },
  });
}
