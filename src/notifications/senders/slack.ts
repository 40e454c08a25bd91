// Slack incoming webhook (https://api.slack.com/messaging/webhooks): JSON {text}.
import { httpUrl, json, request, type Sender } from "../contract.ts";

export const slack: Sender = {
  type: "slack",
  name: "Slack",
  fields: [{ name: "webhook_url", label: "Webhook URL", type: "string", required: true, secret: true }],
  check(config) {
    httpUrl(config, "webhook_url");
  },
  async send(config, m, signal) {
    await request(String(config.webhook_url), { ...json({ text: `*${m.title}*\n${m.text}` }), signal });
  },
};
