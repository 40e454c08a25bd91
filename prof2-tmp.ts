import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { createHash, createHmac } from "node:crypto";
const bucket = process.argv[2];
const c = new S3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:7480", forcePathStyle: true, maxAttempts: 1, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED", credentials: { accessKeyId: "bkpaccess", secretAccessKey: "bkpsecret123" } });
const body = Buffer.alloc(5000, 1);
async function pool(n: number, conc: number, fn: (i: number) => Promise<unknown>) { let i = 0; await Promise.all(Array.from({ length: conc }, async () => { while (i < n) await fn(i++); })); }
let cpu = process.cpuUsage(); let t = performance.now();
await pool(500, 16, (i) => c.send(new PutObjectCommand({ Bucket: bucket, Key: `sdk/${i}`, Body: body, ContentLength: body.length, Metadata: { mtime: "1700000000" } })));
console.log("sdk", (performance.now() - t).toFixed(0), process.cpuUsage(cpu));
const hmac = (k: Buffer | string, d: string) => createHmac("sha256", k).update(d).digest();
function sign(method: string, path: string, headers: Record<string, string>) {
  const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const date = now.slice(0, 8);
  headers["x-amz-date"] = now;
  headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const canon = [method, path, "", ...names.map((n) => `${n}:${headers[n]!.trim()}`), "", names.join(";"), "UNSIGNED-PAYLOAD"].join("\n");
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const sts = ["AWS4-HMAC-SHA256", now, scope, createHash("sha256").update(canon).digest("hex")].join("\n");
  const key = hmac(hmac(hmac(hmac("AWS4bkpsecret123", date), "us-east-1"), "s3"), "aws4_request");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=bkpaccess/${scope}, SignedHeaders=${names.join(";")}, Signature=${hmac(key, sts).toString("hex")}`;
  return headers;
}
cpu = process.cpuUsage(); t = performance.now();
await pool(500, 16, async (i) => {
  const path = `/${bucket}/raw/${i}`;
  const h = sign("PUT", path, { host: "127.0.0.1:7480", "content-length": String(body.length), "x-amz-meta-mtime": "1700000000" });
  const r = await fetch(`http://127.0.0.1:7480${path}`, { method: "PUT", headers: h, body });
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  await r.arrayBuffer();
});
console.log("fetch", (performance.now() - t).toFixed(0), process.cpuUsage(cpu));
