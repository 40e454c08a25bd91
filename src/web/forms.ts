// Helpers for page form handlers (form-encoded bodies).
import { ApiError } from "../http/errors.ts";

/** A string field of a form-encoded (or JSON) body, cut to `max` characters; "" when absent. */
export function formField(body: unknown, name: string, max = 1024): string {
  const v = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" ? v.slice(0, max) : "";
}

/** The message to show inline for an expected failure; anything else is rethrown (a 500). */
export function userMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  throw err;
}
