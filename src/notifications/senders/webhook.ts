// Generic webhook: a JSON POST of the message to `url` (secret: it often carries a key), with
// optional extra headers.
import { type Config, FieldError, httpUrl, json, request, type Sender } from "../contract.ts";

function headersOf(config: Config): Record<string, string> {
  const h = config.headers;
  if (h === undefined || h === null || h === "") return {};
  if (typeof h !== "object" || Array.isArray(h)) throw new FieldError("headers", "must be an object of header names to string values");
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== "string" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new FieldError(`headers.${k}`, "must be a valid header name with a string value");
  }
  return h as Record<string, string>;
}

export const webhook: Sender = {
  type: "webhook",
  name: "Webhook",
  fields: [
    { name: "url", label: "URL", type: "string", required: true, secret: true, help: "receives a JSON POST of the event" },
    { name: "headers", label: "Extra headers", type: "map", required: false, help: "object of header names to values" },
  ],
  check(config) {
    httpUrl(config, "url");
    headersOf(config);
  },
  async send(config, m, signal) {
    const init = json(m);
    init.headers = { ...headersOf(config), "content-type": "application/json" };
    await request(String(config.url), { ...init, signal });
  },
};
