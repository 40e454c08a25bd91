// The Graph fake as https://graph.microsoft.com, for clients whose Graph address cannot be changed
// (rclone): a test CA and a certificate for graph.microsoft.com (openssl), the fake's TLS front,
// and an HTTP CONNECT proxy that sends graph.microsoft.com:443 to it and refuses every other host,
// so nothing leaves the machine. Clients use HTTPS_PROXY and trust the CA (rclone --ca-cert, Bun
// NODE_EXTRA_CA_CERTS).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GraphFake } from "./graph.ts";

export const GRAPH_PUBLIC_URL = "https://graph.microsoft.com";

export interface GraphTlsFront {
  /** The CA certificate file to trust. */
  caFile: string;
  proxyUrl: string;
  /** CONNECT targets the proxy refused (should stay empty). */
  refused: string[];
  /** Environment for a client process: the proxy (both spellings), the CA for Bun and Go. */
  env: Record<string, string>;
  close(): void;
}

async function run(cmd: string[]) {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} failed: ${err}`);
}

async function makeCerts(dir: string) {
  const f = (n: string) => join(dir, n);
  writeFileSync(f("ext.cnf"), "subjectAltName=DNS:graph.microsoft.com\n");
  await run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "2", "-subj", "/CN=Dynamight test CA"]);
  await run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("leaf.key"), "-out", f("leaf.csr"), "-subj", "/CN=graph.microsoft.com"]);
  await run(["openssl", "x509", "-req", "-in", f("leaf.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("leaf.pem"), "-days", "2", "-extfile", f("ext.cnf")]);
  return { ca: f("ca.pem"), key: readFileSync(f("leaf.key"), "utf8"), cert: readFileSync(f("leaf.pem"), "utf8") };
}

function startProxy(tlsPort: number, refused: string[]): Promise<Server> {
  const proxy = createServer((client) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      client.off("data", onData);
      const target = /^CONNECT ([^ ]+) HTTP/.exec(head.subarray(0, end).toString())?.[1] ?? "";
      if (target !== "graph.microsoft.com:443") {
        refused.push(target);
        client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
        return;
      }
      const upstream = createConnection(tlsPort, "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  return new Promise((resolve) => proxy.listen(0, "127.0.0.1", () => resolve(proxy)));
}

export async function startGraphTlsFront(graph: GraphFake): Promise<GraphTlsFront> {
  const dir = mkdtempSync(join(tmpdir(), "dm-graphtls-"));
  const certs = await makeCerts(dir);
  const tlsPort = await graph.startTls({ key: certs.key, cert: certs.cert }, GRAPH_PUBLIC_URL);
  const refused: string[] = [];
  const proxy = await startProxy(tlsPort, refused);
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  return {
    caFile: certs.ca,
    proxyUrl,
    refused,
    env: { HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl, NO_PROXY: "", no_proxy: "", SSL_CERT_FILE: certs.ca, NODE_EXTRA_CA_CERTS: certs.ca },
    close() {
      proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
