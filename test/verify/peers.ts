// The shared S3 peer (scripts/peers/s3.sh) for the verify tests: started if down (never stopped).
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";

const PORT = Number(process.env.S3_PORT ?? 7480);
export const S3_ENDPOINT = `http://127.0.0.1:${PORT}`;
export const S3_CREDENTIAL = { access_key_id: process.env.S3_ACCESS_KEY ?? "bkpaccess", secret_access_key: process.env.S3_SECRET_KEY ?? "bkpsecret123" };

export async function startS3Peer(): Promise<void> {
  const p = Bun.spawn(["bash", join(import.meta.dir, "../../scripts/peers/s3.sh"), "start"], { stdout: "pipe", stderr: "pipe" });
  const [code, err] = [await p.exited, await new Response(p.stderr).text()];
  if (code !== 0) throw new Error(`scripts/peers/s3.sh start failed: ${err}`);
}

export function s3Client(): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint: S3_ENDPOINT,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    credentials: { accessKeyId: S3_CREDENTIAL.access_key_id, secretAccessKey: S3_CREDENTIAL.secret_access_key },
  });
}

/** An rclone on-the-fly remote for the peer (run it through harness.ts's rclone(): no AWS_CA_BUNDLE). */
export function rcloneS3(endpoint: string, path: string): string {
  return `:s3,provider=Ceph,endpoint='${endpoint}',access_key_id=${S3_CREDENTIAL.access_key_id},secret_access_key=${S3_CREDENTIAL.secret_access_key},force_path_style=true:${path}`;
}

/** Starts a peer script unless its status says it is up. */
export async function ensurePeer(name: "sftp" | "webdav"): Promise<void> {
  const script = join(import.meta.dir, `../../scripts/peers/${name}.sh`);
  const run = async (cmd: string) => (await Bun.spawn(["bash", script, cmd], { stdout: "pipe", stderr: "pipe" }).exited) === 0;
  if (!(await run("status")) && !(await run("start"))) throw new Error(`scripts/peers/${name}.sh start failed`);
}
