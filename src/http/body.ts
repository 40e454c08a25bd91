import { type ApiError, payloadTooLarge } from "./errors.ts";

/** Reads a request body as text, failing with 413 as soon as it passes `limit` bytes. */
export async function readBodyLimited(request: Request, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBodyBytesLimited(request, limit));
}

/** Reads a request body as bytes (multipart uploads), failing with 413 as soon as it passes `limit` bytes. */
export async function readBodyBytesLimited(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays/objects deeper than `max`, found by one pass over the text before
 * anything parses it (a hostile 40 KB of `[` must cost microseconds, not a validator's seconds).
 * Brackets inside strings do not count.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

// A body that cannot be accepted (not JSON, nested too deep, wrong media type, too large) is not
// refused by the parser: the parser runs before authentication, and a stranger must get 401
// whatever they send. The parser leaves this marker as the body and remembers the error; the app
// raises it after the route's guard has run (see createApp).
const INVALID_BODY = Object.freeze({ __invalid_body: true });
const bodyErrors = new WeakMap<Request, ApiError>();

export function deferBodyError(request: Request, error: ApiError): typeof INVALID_BODY {
  bodyErrors.set(request, error);
  return INVALID_BODY;
}

/** The error the parser left for this request's body, if any. */
export function deferredBodyError(request: Request): ApiError | undefined {
  return bodyErrors.get(request);
}
