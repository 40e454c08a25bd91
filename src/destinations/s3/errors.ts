// S3 errors (SDK service exceptions and network errors under Bun) into the shared
// DestinationError vocabulary, with words a person can act on. Never includes credentials.
import { DestinationError, TransientError } from "../contract.ts";
import { parseRetryAfter } from "../engine/retry.ts";

const AUTH = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "AuthorizationHeaderMalformed", "InvalidSecurity"]);
const TRANSIENT_CODES = new Set(["SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed", "Throttling", "ThrottlingException", "TooManyRequests"]);
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ConnectionRefused"]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET", "ConnectionClosed"]);

export function s3Error(err: unknown, what: string, bucket: string, signal?: AbortSignal): DestinationError {
  if (err instanceof DestinationError) return err;
  const e = err as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
  const name = e?.Code ?? e?.name ?? "";
  const code = e?.code ?? "";
  const status = e?.$metadata?.httpStatusCode;
  const msg = e?.message && e.message !== "UnknownError" ? e.message : name;
  if (signal?.aborted || name === "AbortError") return new DestinationError("cancelled", "cancelled", { cause: err });
  if (AUTH.has(name)) return new DestinationError("auth", `S3 refused the credentials (${name}): check the access key ID and secret access key`, { cause: err });
  if (name === "NoSuchBucket") return new DestinationError("not_found", `bucket "${bucket}" does not exist`, { cause: err });
  if (name === "AccessDenied" || name === "AllAccessDisabled" || (status === 403 && name === "Forbidden")) {
    return new DestinationError("permission", `access denied to bucket "${bucket}" while ${describeWhat(what)}: the key is valid but lacks permission`, { cause: err });
  }
  if (name === "NotFound" || name === "NoSuchKey" || status === 404) return new DestinationError("not_found", `${what}: not found`, { cause: err });
  if (TRANSIENT_CODES.has(name) || (status !== undefined && (status >= 500 || status === 429))) {
    return new TransientError(`${what}: ${msg} (HTTP ${status ?? "?"})`, parseRetryAfter(e?.$response?.headers?.["retry-after"]), { cause: err });
  }
  if (UNREACHABLE.has(code) || name === "DNSException") {
    return new DestinationError("unavailable", `cannot reach the S3 endpoint (${code || name}): check the endpoint address and that the server is running`, { cause: err });
  }
  if (/SSL|TLS|CERT|certificate|self.signed/i.test(`${code} ${msg}`)) {
    return new DestinationError("unavailable", `TLS error talking to the S3 endpoint (${code || msg}): check the endpoint's scheme (http/https) and certificate`, { cause: err });
  }
  if (RESET.has(code) || name === "TimeoutError" || /socket hang up|timed? ?out|ECONNRESET|closed/i.test(msg ?? "")) {
    return new TransientError(`${what}: connection lost (${code || name || msg})`, null, { cause: err });
  }
  return new DestinationError("failed", `${what}: ${msg || "S3 error"}${status ? ` (HTTP ${status})` : ""}`, { cause: err });
}

function describeWhat(what: string): string {
  return what === "connecting" || what === "listing" || what === "deleting" ? what : `writing ${what}`;
}
