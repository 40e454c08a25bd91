// Request size limits the app enforces itself, so that every refusal is the contract's JSON
// `{ error, message }`. Bun's own checks (Bun.serve's maxRequestBodySize, the HTTP header limit)
// answer 413 / 431 with an empty body and offer no hook, so src/server.ts raises them past ours:
//
//   body     Content-Length over 1 MiB (MAX_BODY_BYTES in app.ts): 413 in app.ts's onRequest,
//            before anything is read. A body without Content-Length (chunked) is read by the
//            app's parser, whatever its type, and it stops at the limit (./body.ts), so no other
//            reader (Elysia's fallback parsers) ever buffers an unbounded stream.
//   headers  request line + headers over MAX_HEADER_BYTES: 431 here. Bun still buffers up to
//            BUN_HEADER_CEILING and answers its own empty 431 above that: a ceiling must exist
//            (the header buffer is per connection), and Bun has no hook for that answer.
/** The request head (line + headers) the app accepts: Bun's and Node's default limit. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** What Bun may buffer for one request head before refusing it itself (set in server.ts). */
export const BUN_HEADER_CEILING = 1024 * 1024;

/** Size of the request head as sent: `METHOD /path?q HTTP/1.1\r\n`, `name: value\r\n` each, `\r\n`. */
export function requestHeadBytes(request: Request): number {
  const url = request.url;
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  let n = request.method.length + 1 + (pathStart < 0 ? 1 : url.length - pathStart) + " HTTP/1.1\r\n".length;
  request.headers.forEach((value, name) => {
    n += name.length + 2 + value.length + 2;
  });
  return n + 2;
}
