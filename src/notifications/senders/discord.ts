// Discord webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook): JSON {content}, at most 2000 characters.
import { httpUrl, json, request, type Sender } from "../contract.ts";

export const discord: Sender = {
  type: "discord",
  name: "Discord",
  fields: [{ name: "webhook_url", label: "Webhook URL", type: "string", required: true, secret: true }],
  check(config) {
    httpUrl(config, "webhook_url");
  },
  async send(config, m, signal) {
    await request(String(config.webhook_url), { ...json({ content: `**${m.title}**\n${m.text}`.slice(0, 2000) }), signal });
  },
};
