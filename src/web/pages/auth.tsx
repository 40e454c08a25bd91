// Setup wizard, sign-in (with the 2FA step), logout. (GET "/" is the dashboard, in ./jobs.tsx.)
// Handlers call the same functions as /api/auth/*, so rules, rate limits and logs are shared.
import { Elysia } from "elysia";
import { LoginForm, LoginPage, TotpStepForm, type TotpStepProps } from "../../../views/pages/login.tsx";
import { SetupForm, SetupPage } from "../../../views/pages/setup.tsx";
import { requestMeta } from "../../auth/client-ip.ts";
import { clearSessionCookie, setSessionCookie } from "../../auth/cookie.ts";
import { COOKIE_NAME } from "../../auth/guard.ts";
import { completeWithRecovery, completeWithTotp, login, type SignedIn, setupAdmin } from "../../auth/login.ts";
import { deleteSession } from "../../auth/sessions.ts";
import { countUsers } from "../../auth/users.ts";
import type { AppContext } from "../../context.ts";
import { ApiError } from "../../http/errors.ts";
import { formField, messageOf } from "../forms.ts";
import { html, pageOrFragment, redirect } from "../html.ts";
import { pageSessionDetails } from "../session.ts";

const hide = { detail: { hide: true } };

export function authPages(ctx: AppContext) {
  const totpStep = (request: Request, props: TotpStepProps) => pageOrFragment(request, { fragment: () => <TotpStepForm {...props} />, page: () => <LoginPage totp={props} /> });

  return (
    new Elysia({ name: "web-auth-pages" })
      // GET "/" (the dashboard, or setup/login when nobody is signed in) lives in ./jobs.tsx.
      .get("/setup", ({ request }) => (countUsers(ctx.db) > 0 ? redirect("/login", request) : html(<SetupPage />)), hide)
      .post(
        "/setup",
        async ({ body, cookie, request, server }) => {
          const username = formField(body, "username", 64).trim();
          const password = formField(body, "password");
          const show = (error: string) => pageOrFragment(request, { fragment: () => <SetupForm error={error} username={username} />, page: () => <SetupPage error={error} username={username} /> });
          if (countUsers(ctx.db) > 0) return redirect("/login", request);
          if (password !== formField(body, "confirm")) return show("The two passwords do not match");
          let s: SignedIn;
          try {
            s = await setupAdmin(ctx, username, password, requestMeta(request, server, ctx.config));
          } catch (err) {
            return show(messageOf(err).replace("Field 'username'", "The username").replace("Field 'password'", "The password"));
          }
          setSessionCookie(cookie[COOKIE_NAME]!, s.token, ctx.config);
          return redirect("/", request);
        },
        hide,
      )
      .get(
        "/login",
        async ({ request }) => {
          if (countUsers(ctx.db) === 0) return redirect("/setup", request);
          if (await pageSessionDetails(ctx, request)) return redirect("/", request);
          return html(<LoginPage />);
        },
        hide,
      )
      .post(
        "/login",
        async ({ body, cookie, request, server }) => {
          const username = formField(body, "username", 64).trim();
          const show = (error: string) => pageOrFragment(request, { fragment: () => <LoginForm error={error} username={username} />, page: () => <LoginPage error={error} username={username} /> });
          if (!username) return show("Enter your username and password");
          try {
            const r = await login(ctx, username, formField(body, "password"), requestMeta(request, server, ctx.config));
            if (r.kind === "totp_required") return totpStep(request, { totpToken: r.totpToken });
            setSessionCookie(cookie[COOKIE_NAME]!, r.signedIn.token, ctx.config);
            return redirect("/", request);
          } catch (err) {
            return show(messageOf(err));
          }
        },
        hide,
      )
      .post("/login/totp", async ({ body, cookie, request, server }) => secondStep("code", body, cookie[COOKIE_NAME]!, request, requestMeta(request, server, ctx.config)), hide)
      .post("/login/recovery", async ({ body, cookie, request, server }) => secondStep("recovery", body, cookie[COOKIE_NAME]!, request, requestMeta(request, server, ctx.config)), hide)
      .post(
        "/logout",
        async ({ cookie, request }) => {
          const s = await pageSessionDetails(ctx, request);
          if (s) {
            deleteSession(ctx.db, s.sessionId);
            ctx.logger.info("logged out", { user: s.user.username });
          }
          clearSessionCookie(cookie[COOKIE_NAME]!, ctx.config);
          return redirect("/login", request);
        },
        hide,
      )
  );

  async function secondStep(mode: "code" | "recovery", body: unknown, cookie: Parameters<typeof setSessionCookie>[0], request: Request, m: ReturnType<typeof requestMeta>) {
    const totpToken = formField(body, "totp_token", 2048);
    try {
      const s = mode === "code" ? await completeWithTotp(ctx, totpToken, formField(body, "code", 32), m) : await completeWithRecovery(ctx, totpToken, formField(body, "recovery_code", 32), m);
      setSessionCookie(cookie, s.token, ctx.config);
      return redirect("/", request);
    } catch (err) {
      const message = messageOf(err);
      // An expired or spent sign-in token cannot be fixed on this step: back to the password.
      if (err instanceof ApiError && err.status === 401 && message.startsWith("Sign-in expired")) {
        return pageOrFragment(request, { fragment: () => <LoginForm error={message} />, page: () => <LoginPage error={message} /> });
      }
      return totpStep(request, { totpToken, error: message, mode });
    }
  }
}
