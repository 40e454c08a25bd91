// The contract's error vocabulary: every error response is { error, message } (+ retry_after on 429).
// Domain code throws ApiError (or a helper below); the app's onError turns anything else into a
// 500 without internals, so no stack trace or library message reaches a client.

export class ApiError extends Error {
  /**
   * The request field (or query/path parameter) the message names, e.g. "destination_config.bucket":
   * for code (nesting a field, a form marking its input), never read back from the text. Not part
   * of the body, which stays { error, message }.
   */
  field?: string;

  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { error: this.error, message: this.message, ...this.extra };
  }
}

export const badRequest = (message: string, extra?: Record<string, unknown>) => new ApiError(400, "Invalid request", message, extra);
/** The 400 for one bad field: "Field '<field>' <problem>", with `field` set. */
export const invalidField = (field: string, problem: string) => named(badRequest(`Field '${field}' ${problem}`), field);
/** `err` with the field its message names (for messages not worded "Field '<field>' <problem>"). */
export function named<E extends Error & { field?: string }>(err: E, field: string): E {
  err.field = field;
  return err;
}
/**
 * A field error from inside an object field, named from the request's top: a destination's
 * "Field 'bucket' ..." in `destination_config` is "Field 'destination_config.bucket' ...";
 * an error naming no field is about the object itself ("Field 'destination_config' must be an object").
 */
export function nestedFieldError(prefix: string, inner: { message: string; field?: string; problem?: string }): ApiError {
  return inner.field !== undefined && inner.problem !== undefined ? invalidField(`${prefix}.${inner.field}`, inner.problem) : invalidField(prefix, inner.message);
}
export const unauthorized = (message = "Invalid or expired token") => new ApiError(401, "Unauthorized", message);
export const forbidden = (message = "Access denied") => new ApiError(403, "Forbidden", message);
export const notFound = (message: string) => new ApiError(404, "Not found", message);
export const conflict = (message: string, extra?: Record<string, unknown>) => new ApiError(409, "Conflict", message, extra);
export const payloadTooLarge = (limit: number) => new ApiError(413, "Payload too large", `Request body is larger than ${Math.round(limit / 1024)} KiB`);
export const unsupportedMediaType = () => new ApiError(415, "Unsupported media type", "Request body must be JSON sent as Content-Type: application/json");
export const rateLimited = (retryAfter: number) =>
  new ApiError(
    429,
    "Rate limited",
    `Too many failed attempts. Try again in ${retryAfter} seconds.`,
    { retry_after: retryAfter },
    {
      "retry-after": String(retryAfter),
    },
  );
export const internalError = () => new ApiError(500, "Internal error", "An unexpected error occurred");
export const serviceUnavailable = (message: string) => new ApiError(503, "Service unavailable", message);
export const headersTooLarge = (limit: number) => new ApiError(431, "Request headers too large", `Request line and headers are larger than ${Math.round(limit / 1024)} KiB`);

/**
 * Turns an Elysia/TypeBox validation failure into the 400 "Field 'x' ..." naming the first bad
 * field (`field` set to it; "Query parameter 'x'" / "Path parameter 'x'" for those). `prefix`
 * names the object the validated value sits in ("sync_options." makes 'sync_options.verbosity').
 */
export function validationError(err: { type?: string; valueError?: { path?: string; message?: string; value?: unknown; schema?: any } }, prefix = ""): ApiError {
  const ve = err.valueError;
  const where = err.type === "query" ? "Query parameter" : err.type === "params" ? "Path parameter" : "Field";
  if (!ve) return badRequest(`Invalid ${err.type ?? "request"}`);
  const path = (ve.path ?? "").replace(/^\//, "").replace(/\//g, ".");
  if (!path) return badRequest(err.type === "body" ? "Request body must be a JSON object of the documented shape" : `Invalid ${err.type ?? "request"}`);
  const field = prefix + path;
  if (ve.value === undefined) return named(badRequest(`${where} '${field}' is required`), field);
  const custom = typeof ve.schema?.error === "string" ? ve.schema.error : undefined;
  return named(badRequest(`${where} '${field}' ${custom ?? describeExpectation(ve.schema, ve.message)}`), field);
}

function describeExpectation(schema: any, fallback?: string): string {
  if (!schema) return fallback ? `is invalid: ${fallback}` : "is invalid";
  if (schema.anyOf && schema.anyOf.every((s: any) => s.const !== undefined)) {
    return `must be one of ${schema.anyOf.map((s: any) => JSON.stringify(s.const)).join(", ")}`;
  }
  if (schema.anyOf) {
    // Optional or nullable fields arrive as a union with null, and Elysia's numeric types as a
    // union with a coercible string ({ type: "string", format: "integer" }): describe the real type.
    const real = schema.anyOf.filter((s: any) => s.type !== "null" && s.type !== "undefined" && !(s.type === "string" && ["integer", "number", "boolean"].includes(s.format)));
    if (real.length === 1) return describeExpectation(real[0], fallback);
  }
  const parts: string[] = [];
  if (schema.type === "string") {
    if (schema.minLength !== undefined) parts.push(`at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined) parts.push(`matching ${schema.pattern}`);
    return `must be a string${parts.length ? " of " + parts.join(", ") : ""}`;
  }
  if (schema.type === "integer" || schema.type === "number") {
    const kind = schema.type === "integer" ? "a whole number" : "a number";
    if (schema.minimum !== undefined && schema.maximum !== undefined) return `must be ${kind} from ${schema.minimum} to ${schema.maximum}`;
    if (schema.minimum !== undefined) return `must be ${kind} of at least ${schema.minimum}`;
    if (schema.maximum !== undefined) return `must be ${kind} of at most ${schema.maximum}`;
    return `must be ${kind}`;
  }
  if (schema.type === "boolean") return "must be true or false";
  if (schema.type === "array") return `must be a list${schema.minItems ? ` of at least ${schema.minItems} item(s)` : ""}`;
  if (schema.type === "object") return "must be an object";
  return fallback ? `is invalid: ${fallback}` : "is invalid";
}
