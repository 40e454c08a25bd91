// Size refusals from a real listening server, through a raw TCP client (what curl or a proxy
// sends, byte for byte): 413 and 431 are the contract's JSON `{ error, message }`, not Bun's
// bodiless answers (see src/http/limits.ts and src/server.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { BUN_HEADER_CEILING, MAX_HEADER_BYTES } from "../../src/http/limits.ts";
import type { RunningServer } from "../../src/server.ts";
import { startTestServer } from "../browser/harness.ts";

let server: RunningServer & { dataDir: string };
let port: number;

beforeAll(async () => {
  server = await startTestServer();
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.stop();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (+ `body` chunks, as fast as the socket takes them) and reads one response. */
function raw(head: string, body: (Uint8Array | string)[] = []): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      const text = data.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const length = Number(headers["content-length"] ?? 0);
      if (data.length - (end + 4) < length) return;
      done = true;
      socket.destroy();
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString("utf8") });
    };
    socket.on("data", (d: Buffer) => {
      data = Buffer.concat([data, d]);
      finish();
    });
    socket.on("close", () => {
      finish();
      if (!done) reject(new Error(`connection closed without a full response: ${JSON.stringify(data.toString("latin1").slice(0, 200))}`));
    });
    // The server may answer and close before the body is sent: that is the point.
    socket.on("error", () => {});
    socket.on("connect", async () => {
      socket.write(head);
      for (const chunk of body) {
        if (done || socket.destroyed) break;
        if (!socket.write(chunk)) await new Promise((r) => socket.once("drain", r));
      }
    });
  });
}

const chunk = (bytes: Uint8Array | string) => {
  const b = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes);
  return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from("\r\n")]);
};

function expectJsonError(res: RawResponse, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toContain("application/json");
  const body = JSON.parse(res.body);
  expect(body).toEqual({ error, message: expect.any(String) });
  expect(body.message.length).toBeGreaterThan(0);
}

describe("413 over 1 MiB, in JSON", () => {
  test("a Content-Length just over 1 MiB, far over it, and absurd: the app answers before reading", async () => {
    for (const length of [1024 * 1024 + 1, 5 * 1024 * 1024, 10_000_000_000]) {
      const res = await raw(`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`, [Buffer.alloc(64 * 1024, 32)]);
      expectJsonError(res, 413, "Payload too large");
      expect(res.headers["connection"]).toBe("close");
    }
  });

  test("a chunked JSON body that passes 1 MiB: 413 as the parser reads it", async () => {
    const piece = new Uint8Array(64 * 1024).fill(32);
    const chunks = [chunk('{"username":"'), ...Array.from({ length: 20 }, () => chunk(piece)), chunk('"}'), "0\r\n\r\n"];
    const res = await raw(`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, chunks);
    expectJsonError(res, 413, "Payload too large");
  });

  test("a chunked body of any type is read only up to the limit: 413 past it, 415 below it (the API takes JSON)", async () => {
    const piece = new Uint8Array(64 * 1024).fill(120);
    for (const type of ["application/octet-stream", "multipart/form-data; boundary=x", ""]) {
      const typeLine = type ? `Content-Type: ${type}\r\n` : "";
      const head = `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n${typeLine}Transfer-Encoding: chunked\r\n\r\n`;
      expectJsonError(await raw(head, [...Array.from({ length: 20 }, () => chunk(piece)), "0\r\n\r\n"]), 413, "Payload too large");
      expectJsonError(await raw(head, [chunk("x".repeat(1000)), "0\r\n\r\n"]), 415, "Unsupported media type");
    }
  });

  test("a small body still works", async () => {
    const body = JSON.stringify({ username: "admin", password: "password123" });
    const res = await raw(`POST /api/auth/setup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(res.status).toBe(200);
  });
});

describe("431 for over-long headers, in JSON", () => {
  const withHeader = (bytes: number) => `GET /api/system/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ${"a".repeat(bytes)}\r\n\r\n`;

  test("just under the limit is served", async () => {
    expect((await raw(withHeader(MAX_HEADER_BYTES - 200))).status).not.toBe(431);
  });

  test("over the app's limit, up to what Bun lets through: JSON 431", async () => {
    for (const bytes of [MAX_HEADER_BYTES + 1, 20_000, 64 * 1024, BUN_HEADER_CEILING - 1024]) {
      const res = await raw(withHeader(bytes));
      expectJsonError(res, 431, "Request headers too large");
    }
    // A long cookie on a page is refused the same way.
    const res = await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: token=${"b".repeat(40_000)}\r\n\r\n`);
    expectJsonError(res, 431, "Request headers too large");
  });

  test("beyond Bun's ceiling (1 MiB of headers) Bun itself answers 431, without a body: no hook exists for it", async () => {
    const res = await raw(withHeader(BUN_HEADER_CEILING + 1024));
    expect(res.status).toBe(431);
    expect(res.body).toBe("");
  });
});
