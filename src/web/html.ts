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
