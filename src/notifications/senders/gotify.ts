// Gotify (https://gotify.net/api-docs): POST <server_url>/message with the app token in the
// X-Gotify-Key header (not the query, so it stays out of proxy logs), JSON {title, message, priority}.
import { httpUrl, json, request, type Sender } from "../contract.ts";

export const gotify: Sender = {
  type: "gotify",
  name: "Gotify",
  fields: [
    { name: "server_url", label: "Server URL", type: "string", required: true },
    { name: "token", label: "Application token", type: "password", required: true, secret: true },
    { name: "priority", label: "Priority", type: "integer", required: false },
  ],
  check(config) {
    httpUrl(config, "server_url");
  },
  async send(config, m, signal) {
    const init = json({ title: m.title, message: m.text, priority: config.priority ?? 5 });
    init.headers = { "content-type": "application/json", "x-gotify-key": String(config.token) };
    await request(`${String(config.server_url).replace(/\/+$/, "")}/message`, { ...init, signal });
  },
};
