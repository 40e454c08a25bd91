// Response schemas every feature shares, declared once: the contract's error body (errors.ts
// makes it), its 429 form with retry_after, and the plain `{ message }` answer. Path ids are in params.ts.
import { type Static, t } from "elysia";

/** `{ error, message }`: what every refusal answers (ApiError.body()). */
export const ErrorBody = t.Object({ error: t.String(), message: t.String() }, { description: "The contract's error shape" });
export type ErrorBody = Static<typeof ErrorBody>;

/** `{ message }`: the answer of an action that has nothing else to say (deleted, cancelled, logged out). */
export const Message = t.Object({ message: t.String() });

/** The 429 answer (`rateLimited`): the error shape plus the seconds to wait (also in Retry-After). */
export const RateLimitedBody = t.Composite([ErrorBody, t.Object({ retry_after: t.Integer({ description: "Seconds to wait (429 only)" }) })], {
  description: "The contract's error shape, with retry_after",
});

/** The error responses of a route, by status code: ErrorBody, RateLimitedBody for 429. */
export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, c === 429 ? RateLimitedBody : ErrorBody]));
