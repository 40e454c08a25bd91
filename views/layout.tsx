// The page shell. Views are pure functions of their props: no queries, no globals but asset URLs.
// Every user-provided string is rendered with `safe` (kitajs/html does not escape children otherwise).
import { assetUrl } from "../src/web/assets.ts";

export type NavKey = "dashboard" | "jobs" | "credentials" | "notifications" | "drives" | "settings" | "account";

export interface LayoutProps {
  title: string;
  /** Signed-in user's name; absent on the setup and login pages (no navigation then). */
  username?: string;
  active?: NavKey;
  theme?: "light" | "dark" | "system";
  children?: JSX.Element;
}

const NAV: { key: NavKey; href: string; label: string }[] = [
  { key: "dashboard", href: "/", label: "Dashboard" },
  { key: "jobs", href: "/jobs", label: "Jobs" },
  { key: "credentials", href: "/credentials", label: "Credentials" },
  { key: "notifications", href: "/notifications", label: "Notifications" },
  { key: "drives", href: "/drives", label: "Drives" },
  { key: "settings", href: "/settings", label: "Settings" },
  { key: "account", href: "/account", label: "Account" },
];

export function Logo() {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#2f6fed" />
      <path d="M9 8h7a8 8 0 0 1 0 16H9z" fill="none" stroke="#fff" stroke-width="3" />
      <path d="M16 12v8m-3-3 3 3 3-3" fill="none" stroke="#fff" stroke-width="2" />
    </svg>
  );
}

export function Layout(props: LayoutProps) {
  const theme = props.theme ?? "system";
  return (
    <>
      {"<!doctype html>"}
      <html lang="en" data-theme-pref={theme} data-theme={theme === "system" ? undefined : theme}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true}' />
          <title safe>{`${props.title} · Dynamight`}</title>
          <link rel="icon" href={assetUrl("favicon.svg")} type="image/svg+xml" />
          <link rel="stylesheet" href={assetUrl("app.css")} />
          <script src={assetUrl("htmx.min.js")} defer></script>
          <script src={assetUrl("app.js")} defer></script>
          {/* Page behaviour that must survive hx-boost navigation (htmx does not run scripts in swapped content). */}
          <script src={assetUrl("live.js")} defer></script>
          <script src={assetUrl("run-logs.js")} defer></script>
          <script src={assetUrl("forms.js")} defer></script>
        </head>
        <body hx-boost="true">
          {props.username ? (
            <header class="topbar">
              <a class="brand" href="/">
                <Logo />
                Dynamight
              </a>
              {/* Phones: the nav folds behind this button (public/js/app.js toggles it; without JS the nav stays shown). */}
              <button class="btn small-btn nav-toggle" type="button" aria-controls="main-nav" aria-expanded="false">
                Menu
              </button>
              <nav class="nav" id="main-nav" aria-label="Main">
                {NAV.map((n) => (
                  <a href={n.href} aria-current={n.key === props.active ? "page" : undefined} safe>
                    {n.label}
                  </a>
                ))}
              </nav>
              <span class="muted small topbar-user" safe>
                {props.username}
              </span>
              <form method="post" action="/logout" hx-boost="false">
                <button class="btn small-btn" type="submit">
                  Log out
                </button>
              </form>
            </header>
          ) : (
            ""
          )}
          {/* children are rendered markup; raw strings passed to a component are caught at the call site (K603) */}
          <main class={props.username ? "main" : "main narrow"}>{props.children as "safe"}</main>
        </body>
      </html>
    </>
  );
}
