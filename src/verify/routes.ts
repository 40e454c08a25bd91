// Verify API: start a verify run of a job (the run itself is followed through the runs API).
import { Elysia } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { badRequest } from "../http/errors.ts";
import { IdParams } from "../http/params.ts";
import { ErrorBody } from "../http/schemas.ts";
import type { RunEngine } from "../runs/engine-types.ts";
import { VerifyBody, VerifyStarted } from "./model.ts";
import { verifyBody } from "./service.ts";

const tags = ["Jobs"];

/** Requests whose JSON body was an array, string or number: the schema has only optional fields,
 *  and Elysia lets such a body pass an all-optional object schema as {}. */
const notAnObject = new WeakSet<Request>();

export function verifyRoutes(ctx: AppContext, engine: RunEngine) {
  return new Elysia({ name: "verify", prefix: "/api/jobs" }).use(authPlugin(ctx)).post(
    "/:id/verify",
    ({ params, body, set, request }) => {
      if (notAnObject.has(request)) throw badRequest("Request body must be a JSON object of the documented shape");
      const deep = body.deep ?? false;
      const runId = engine.start(params.id, { trigger: "manual", kind: "verify", body: verifyBody({ deep }) });
      set.status = 202;
      return { run_id: runId, message: deep ? "Verify started (reading every file back)" : "Verify started" };
    },
    {
      auth: true,
      // Before validation (which turns these into {}), after nothing: only note it here, so the
      // auth guard still answers an anonymous request 401 whatever it sent.
      transform: ({ body, request }) => {
        if (typeof body !== "object" || body === null || Array.isArray(body)) notAnObject.add(request);
      },
      params: IdParams,
      parse: "json",
      body: VerifyBody,
      response: { 202: VerifyStarted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      detail: {
        tags,
        summary: "Verify a job's destination against its sources",
        description:
          'Starts a run of kind `verify` in the background; nothing is changed on either side. Each difference (missing, extra when the job deletes extraneous files, size, modification time, content) is one warning line of the run\'s log; the run records `files_checked` and `differences`, completes with none and fails with "N differences" otherwise. 409 while the job has an active run of any kind.',
      },
    },
  );
}
