// Healthchecks.io / Uptime Kuma push monitors (https://healthchecks.io/docs/http_api/): <ping_url>/start
// when a run starts, <ping_url> on success, <ping_url>/fail with the reason and last log lines as body.
import { httpUrl, request, type Sender } from "../contract.ts";

export const healthchecks: Sender = {
  type: "healthchecks",
  name: "Healthchecks",
  fields: [{ name: "ping_url", label: "Ping URL", type: "string", required: true, secret: true, help: "e.g. https://hc-ping.com/<uuid>" }],
  check(config) {
    httpUrl(config, "ping_url");
  },
  async send(config, m, signal) {
    const base = String(config.ping_url).replace(/\/+$/, "");
    if (m.event === "run_started") return request(`${base}/start`, { method: "POST", body: m.title, signal });
    if (m.event === "run_succeeded" || m.event === "test") return request(base, { method: "POST", body: m.text, signal });
    await request(`${base}/fail`, { method: "POST", body: m.text, signal });
  },
};
