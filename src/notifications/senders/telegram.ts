// Telegram Bot API (https://core.telegram.org/bots/api#sendmessage): POST
// <api_url>/bot<token>/sendMessage with JSON {chat_id, text}. api_url defaults to Telegram's.
import { httpUrl, json, request, type Sender } from "../contract.ts";

export const TELEGRAM_API = "https://api.telegram.org";

export const telegram: Sender = {
  type: "telegram",
  name: "Telegram",
  fields: [
    { name: "bot_token", label: "Bot token", type: "password", required: true, secret: true },
    { name: "chat_id", label: "Chat id", type: "string", required: true },
    { name: "api_url", label: "API URL", type: "string", required: false, default: TELEGRAM_API },
  ],
  check(config) {
    if (config.api_url !== undefined && config.api_url !== null && config.api_url !== "") httpUrl(config, "api_url");
  },
  async send(config, m, signal) {
    const base = String(config.api_url || TELEGRAM_API).replace(/\/+$/, "");
    await request(`${base}/bot${String(config.bot_token)}/sendMessage`, { ...json({ chat_id: config.chat_id, text: `${m.title}\n\n${m.text}`.slice(0, 4096) }), signal });
  },
};
