// What "no external URL" means for the smoke tests (docs/binary.md): a page may not make the
// browser load anything from another origin. Parsed with Bun's HTMLRewriter (a real HTML parser),
// so attribute quoting and case cannot hide a URL from the check.

/** Attributes whose value the browser fetches or submits to. */
const LOAD_ATTRIBUTES = new Set(["src", "href", "action", "formaction", "poster", "srcset", "data", "background", "manifest", "ping"]);

/** Absolute (scheme://) or protocol-relative (//host) URLs leave the origin; data: and paths do not. */
const OFF_ORIGIN = /^\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i;

const HTTP_URL = /https?:\/\/[^\s"'`<>)]*/gi;

export interface PageScan {
  /** Same-origin URLs of what the page loads (script src, link href, img src, ...), to fetch. */
  assets: string[];
  /** Off-origin URLs found in load attributes, inline CSS url()/@import, or inline scripts. */
  external: string[];
}

/** url() and @import targets in a piece of CSS. */
export function cssUrls(css: string): string[] {
  const urls: string[] = [];
  for (const m of css.matchAll(/url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)]*?))\s*\)/gi)) {
    urls.push((m[1] ?? m[2] ?? m[3] ?? "").trim());
  }
  for (const m of css.matchAll(/@import\s+(?:"([^"]*)"|'([^']*)')/gi)) urls.push((m[1] ?? m[2])!);
  return urls;
}

export function isOffOrigin(url: string): boolean {
  return OFF_ORIGIN.test(url);
}

/** http(s) URLs anywhere in a text (used on our own JS and CSS, which should have none at all). */
export function httpUrlsIn(text: string): string[] {
  return [...text.matchAll(HTTP_URL)].map((m) => m[0]);
}

export async function scanHtml(html: string): Promise<PageScan> {
  const assets: string[] = [];
  const external: string[] = [];
  const inlineCss: string[] = [];
  let script = "";
  const scripts: string[] = [];
  const rewriter = new HTMLRewriter()
    .on("*", {
      element(el) {
        const tag = el.tagName.toLowerCase();
        for (const [rawName, value] of el.attributes) {
          const name = rawName.toLowerCase();
          if (name === "style") inlineCss.push(value);
          if (!LOAD_ATTRIBUTES.has(name)) continue;
          const urls = name === "srcset" ? value.split(",").map((c) => c.trim().split(/\s+/)[0]!) : [value];
          for (const url of urls) {
            if (isOffOrigin(url)) external.push(`<${tag} ${name}="${url}">`);
            // Links (<a>, forms) are navigations, not loads; everything else the page fetches.
            else if (tag !== "a" && tag !== "form" && name !== "action" && url && !url.startsWith("data:") && !url.startsWith("#")) {
              assets.push(url);
            }
          }
        }
      },
    })
    .on("style", {
      text(t) {
        inlineCss.push(t.text);
      },
    })
    .on("script", {
      text(t) {
        script += t.text;
        if (t.lastInTextNode) {
          scripts.push(script);
          script = "";
        }
      },
    });
  await rewriter.transform(new Response(html)).text();
  for (const css of inlineCss) {
    for (const url of cssUrls(css)) if (isOffOrigin(url)) external.push(`css url(${url})`);
  }
  for (const body of scripts) for (const url of httpUrlsIn(body)) external.push(`inline script: ${url}`);
  return { assets: [...new Set(assets)], external };
}
