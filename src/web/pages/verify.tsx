// The "Verify now" form's post: starts a verify run through the engine and sends the browser to
// the run's live page; a refusal re-renders the form with the engine's words.
import { Elysia } from "elysia";
import { VerifyForm } from "../../../views/components/verify-form.tsx";
import type { AppContext } from "../../context.ts";
import * as jobs from "../../jobs/service.ts";
import type { Services } from "../../services.ts";
import { verifyBody } from "../../verify/service.ts";
import { messageOf } from "../forms.ts";
import { html, redirect } from "../html.ts";
import { pageAuth } from "../session.ts";
import { idParam, isNotFound } from "./common.ts";

export function verifyPages(ctx: AppContext, services: Services) {
  return new Elysia({ name: "web-verify" }).use(pageAuth(ctx)).post(
    "/jobs/:id/verify",
    ({ request, params, body }) => {
      const id = idParam(params.id);
      if (id === null) return redirect("/jobs", request);
      const form = (body ?? {}) as Record<string, string>;
      const deep = form.deep === "true";
      try {
        const runId = services.engine.start(id, { trigger: "manual", kind: "verify", body: verifyBody({ deep }) });
        return redirect(`/runs/${runId}`, request);
      } catch (err) {
        if (isNotFound(err)) return redirect("/jobs", request);
        const local = jobs.getJob(ctx.db, services.engine, id).destination_type === "local";
        return html(<VerifyForm jobId={id} local={local} compact={form.compact === "true"} error={messageOf(err)} />);
      }
    },
    { page: true, detail: { hide: true } },
  );
}
