// Email over SMTP with nodemailer: tls_mode none (plain, no upgrade), starttls (upgrade
// required) or tls (implicit TLS, usually port 465).
import { type Config, FieldError, type Sender } from "../contract.ts";

const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const TLS_MODES = ["none", "starttls", "tls"];

function recipients(config: Config): string[] {
  const to = config.to;
  if (!Array.isArray(to) || to.length === 0) throw new FieldError("to", "must be a list of at least one email address");
  to.forEach((a, i) => {
    if (typeof a !== "string" || !ADDRESS.test(a)) throw new FieldError(`to.${i}`, "must be an email address");
  });
  return to as string[];
}

export const email: Sender = {
  type: "email",
  name: "Email (SMTP)",
  fields: [
    { name: "host", label: "SMTP host", type: "string", required: true },
    { name: "port", label: "Port", type: "integer", required: true, default: 587 },
    { name: "tls_mode", label: "TLS", type: "choice", required: true, options: TLS_MODES, default: "starttls" },
    { name: "username", label: "Username", type: "string", required: false },
    { name: "password", label: "Password", type: "password", required: false, secret: true },
    { name: "from", label: "From", type: "string", required: true },
    { name: "to", label: "To", type: "list", required: true, help: "list of addresses" },
    { name: "tls_verify", label: "Verify the server's certificate", type: "boolean", required: false, default: true, help: "off for a relay with a self-signed certificate" },
  ],
  check(config) {
    const port = config.port;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw new FieldError("port", "must be a port number from 1 to 65535");
    if (!TLS_MODES.includes(String(config.tls_mode))) throw new FieldError("tls_mode", `must be one of ${TLS_MODES.join(", ")}`);
    if (typeof config.from !== "string" || !ADDRESS.test(config.from)) throw new FieldError("from", "must be an email address");
    recipients(config);
  },
  async send(config, m, signal) {
    // nodemailer loads on the first email, not at start-up (issue 17: start-up memory).
    const { default: nodemailer } = await import("nodemailer");
    const mode = String(config.tls_mode);
    const transport = nodemailer.createTransport({
      host: String(config.host),
      port: Number(config.port),
      secure: mode === "tls",
      requireTLS: mode === "starttls",
      ignoreTLS: mode === "none",
      auth: config.username ? { user: String(config.username), pass: String(config.password ?? "") } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 15_000,
      // Self-hosted SMTP relays often have a self-signed certificate; the option to pin one is not built.
      tls: { rejectUnauthorized: config.tls_verify !== false },
    });
    const abort = () => transport.close();
    signal.addEventListener("abort", abort, { once: true });
    try {
      await transport.sendMail({ from: String(config.from), to: recipients(config), subject: m.title, text: m.text });
    } catch (err) {
      if (signal.aborted) throw new Error(`${String(config.host)} did not answer in time`);
      const e = err as { code?: string; responseCode?: number; message?: string };
      throw new Error(`SMTP ${String(config.host)}:${String(config.port)}: ${e.code ?? "error"}${e.responseCode ? ` ${e.responseCode}` : ""} ${(e.message ?? "").slice(0, 200)}`.trim());
    } finally {
      signal.removeEventListener("abort", abort);
      transport.close();
    }
  },
};
