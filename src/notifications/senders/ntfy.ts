// ntfy (https://docs.ntfy.sh/publish/): POST <server_url>/<topic> with the text as body, the
// title and priority as headers, the run link as Click, an optional access token as Bearer.
import { httpUrl, request, type Sender } from "../contract.ts";

export const ntfy: Sender = {
  type: "ntfy",
  name: "ntfy",
  fields: [
    { name: "server_url", label: "Server URL", type: "string", required: true, default: "https://ntfy.sh" },
    { name: "topic", label: "Topic", type: "string", required: true },
    { name: "token", label: "Access token", type: "password", required: false, secret: true },
    { name: "priority", label: "Priority (1-5)", type: "integer", required: false },
  ],
  check(config) {
    httpUrl(config, "server_url");
  },
  async send(config, m, signal) {
    const headers: Record<string, string> = { title: m.title, tags: m.event === "run_succeeded" ? "white_check_mark" : "warning" };
    if (config.priority !== undefined && config.priority !== null) headers.priority = String(config.priority);
    if (m.url?.startsWith("http")) headers.click = m.url;
    if (config.token) headers.authorization = `Bearer ${config.token}`;
    const base = String(config.server_url).replace(/\/+$/, "");
    await request(`${base}/${encodeURIComponent(String(config.topic))}`, { method: "POST", headers, body: m.text, signal });
  },
};
