// Path ids, read one way everywhere. Ids are plain decimal: digits only, no sign, no leading
// zero, no hex, exponent or spaces, at most 15 digits (always a safe integer). t.Numeric would
// take `0x2`, `2e0` or `+2` for job 2; this takes exactly what the API itself writes.
//
//   API routes:  { params: IdParams }             -> params.id is a number; a bad id is a 400
//                { params: idParams("run_id") }      naming the parameter
//   Page routes: parseId(params.id) ?? notFound      -> a bad id is the not-found page
import { t } from "elysia";

export const ID_PATTERN = "^[1-9][0-9]{0,14}$";
const ID_RE = new RegExp(ID_PATTERN);

/** A path id as a number, or null when it is not the plain decimal form of a positive id. */
export function parseId(raw: string | undefined | null): number | null {
  return typeof raw === "string" && ID_RE.test(raw) ? Number(raw) : null;
}

/** One id path parameter: validated as a digit string (so errors name it), handed to the handler as a number. */
export const Id = t
  .Transform(t.String({ pattern: ID_PATTERN, error: "must be a positive whole number", description: "positive whole number, plain decimal", examples: ["1"] }))
  .Decode((v) => Number(v))
  .Encode((v: number) => String(v));

/** Params of a route whose path has one id parameter (`:id` unless named). */
export function idParams<K extends string = "id">(name: K = "id" as K) {
  return t.Object({ [name]: Id } as { [P in K]: typeof Id });
}

export const IdParams = idParams();
