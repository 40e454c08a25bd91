// How a page answers: HTML, a redirect, or (for htmx) just the part of the page that changes.

/** An HTML response; views return strings (or promises of them) from kitajs/html. */
export async function html(body: string | Promise<string>, init: { status?: number; headers?: Record<string, string> } = {}): Promise<Response> {
  return new Response(await body, {
    status: init.status ?? 200,
    headers: { "content-type": "text/html; charset=utf-8", ...init.headers },
  });
}

/** Sends the browser elsewhere: HX-Redirect for htmx requests, a 303 for plain forms and links. */
export function redirect(to: string, request: Request, headers: Record<string, string> = {}): Response {
  if (request.headers.get("hx-request")) return new Response(null, { status: 200, headers: { "hx-redirect": to, ...headers } });
  return new Response(null, { status: 303, headers: { location: to, ...headers } });
}

/** Any request made by htmx, a boosted navigation or form included. */
export function isHtmx(request: Request): boolean {
  return request.headers.get("hx-request") === "true";
}

/** True for htmx requests that swap a fragment (a boosted navigation wants the whole page). */
export function wantsFragment(request: Request): boolean {
  return isHtmx(request) && !request.headers.get("hx-boosted");
}

/**
 * The one way a page answers "the part or the whole": the fragment alone when htmx swaps part of
 * the page (an element's own `hx-get`/`hx-post` with its `hx-target`), else the whole page in the
 * layout (a plain form post, a link, a boosted navigation, or no fragment given). `status` is the
 * whole page's for a plain request; htmx swaps only 2xx answers, so an htmx request gets 200.
 */
export function pageOrFragment(request: Request, views: { page: () => JSX.Element; fragment?: () => JSX.Element }, init: { status?: number } = {}): Promise<Response> {
  if (views.fragment && wantsFragment(request)) return html(views.fragment());
  return html(views.page(), { status: isHtmx(request) ? 200 : (init.status ?? 200) });
}
