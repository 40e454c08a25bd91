// Screenshots of every page of the web UI, so a reviewer can look without running anything:
// a real server on a temp data folder, a little sample data made through the API (two local
// jobs, one finished run, one failed run, a credential), then each page at 1366×900 and 390×844,
// light and dark, in the system Chromium. Viewport-sized PNGs (not full pages) keep the folder
// small enough for git (and pngquant makes them palette PNGs); the total is printed and must stay under ~3 MB.
//   scripts/screenshots [--out docs/screenshots]
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { loadConfig } from "../src/config.ts";
import { silentLogger } from "../src/logger.ts";
import { serve } from "../src/server.ts";

const ROOT = join(import.meta.dir, "..");
const outArg = process.argv.indexOf("--out");
const OUT = outArg > 0 ? process.argv[outArg + 1]! : join(ROOT, "docs", "screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SIZES = [
  { name: "desktop", width: 1366, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;
const PASSWORD = "correct horse battery staple";

const base = mkdtempSync(join(tmpdir(), "dm-screens-"));
const dataDir = join(base, "data");
const files = join(base, "files");
mkdirSync(dataDir);
for (const d of ["documents/letters", "photos/2026", "backup-disk"]) mkdirSync(join(files, d), { recursive: true });
writeFileSync(join(files, "documents", "todo.txt"), "water the plants\n");
writeFileSync(join(files, "documents", "letters", "hello.md"), "# Hello\n");
writeFileSync(join(files, "photos", "2026", "beach.jpg"), new Uint8Array(300 * 1024).fill(9));

const config = { ...loadConfig([], { ALLOWED_BROWSE_PATHS: files, HOST: "127.0.0.1" }, dataDir), dataDir, port: 0 };
const server = await serve(config, silentLogger);
const url = server.url;

async function api(method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json", origin: url, ...(token ? { cookie: `token=${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return { res, json: text ? JSON.parse(text) : null };
}

async function waitRun(token: string, runId: number) {
  for (let i = 0; i < 300; i++) {
    const run = (await api("GET", `/api/runs/${runId}`, token)).json;
    if (!["pending", "running"].includes(run.status)) return run;
    await Bun.sleep(100);
  }
  throw new Error(`run ${runId} did not finish`);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
const shots: string[] = [];
try {
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (f.endsWith(".png")) rmSync(join(OUT, f));

  /** `act` puts the page in a state worth seeing (a refused form, an open dialog) before the shot. */
  const capture = async (name: string, path: string, cookie: string | null, act?: (page: import("playwright-core").Page) => Promise<void>) => {
    for (const scheme of ["light", "dark"] as const) {
      for (const size of SIZES) {
        const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, colorScheme: scheme });
        if (cookie) await context.addCookies([{ name: "token", value: cookie, url }]);
        const page = await context.newPage();
        await page.goto(url + path, { waitUntil: "load" });
        await page.waitForLoadState("networkidle").catch(() => {});
        if (act) await act(page);
        const file = `${name}-${size.name}-${scheme}.png`;
        await page.screenshot({ path: join(OUT, file) });
        shots.push(file);
        await context.close();
      }
    }
  };

  // Before the first user: the setup page.
  await capture("setup", "/setup", null);
  const setup = await api("POST", "/api/auth/setup", null, { username: "admin", password: PASSWORD });
  const token = setup.res.headers
    .getSetCookie()
    .find((c) => c.startsWith("token="))!
    .split(";")[0]!
    .slice("token=".length);
  await capture("login", "/login", null);
  // First run: the empty dashboard offers the first step.
  await capture("dashboard-empty", "/", token);

  const docs = (
    await api("POST", "/api/jobs", token, {
      name: "Documents to backup disk",
      description: "Letters and notes, every night",
      source_dirs: [join(files, "documents")],
      destination_type: "local",
      destination_config: { mount_point: join(files, "backup-disk") },
    })
  ).json;
  await api("POST", `/api/jobs/${docs.id}/schedules`, token, { schedule_type: "daily", hour: 2, minute: 30, timezone: "Europe/Paris" });
  const photos = (
    await api("POST", "/api/jobs", token, {
      name: "Photos to old disk",
      source_dirs: [join(files, "photos")],
      destination_type: "local",
      destination_config: { mount_point: join(files, "backup-disk"), backup_subdir: "photos" },
    })
  ).json;
  const okRun = (await api("POST", `/api/jobs/${docs.id}/run`, token)).json;
  await waitRun(token, okRun.run_id);
  // A failed run: the disk went away.
  rmSync(join(files, "backup-disk", "photos"), { recursive: true, force: true });
  writeFileSync(join(files, "backup-disk", "photos"), "not a folder");
  const badRun = (await api("POST", `/api/jobs/${photos.id}/run`, token)).json;
  await waitRun(token, badRun.run_id);
  await api("POST", "/api/credentials", token, { name: "Office S3", provider_type: "s3", data: { access_key_id: "AKIAEXAMPLE", secret_access_key: "example-secret" } }).catch((e) =>
    console.warn(`(no sample credential: ${(e as Error).message})`),
  );

  const pages: [string, string][] = [
    ["dashboard", "/"],
    ["jobs", "/jobs"],
    ["job-history", `/jobs/${docs.id}`],
    ["job-files", `/jobs/${docs.id}/files`],
    ["job-failed", `/jobs/${photos.id}`],
    ["job-new", "/jobs/new"],
    ["job-edit", `/jobs/${docs.id}/edit`],
    ["run-completed", `/runs/${okRun.run_id}`],
    ["run-failed", `/runs/${badRun.run_id}`],
    ["not-found", "/jobs/9999"],
  ];
  // Every entry of the main navigation, whatever pages other parts add.
  const probe = await browser.newContext();
  await probe.addCookies([{ name: "token", value: token, url }]);
  const p = await probe.newPage();
  await p.goto(url + "/");
  const nav = await p.$$eval("#main-nav a", (as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href")!));
  await probe.close();
  for (const href of nav) if (!pages.some(([, path]) => path === href)) pages.push([href.replace(/^\//, "").replace(/\W+/g, "-") || "home", href]);
  for (const [name, path] of pages) await capture(name, path, token);
  await capture("job-new-errors", "/jobs/new", token, async (page) => {
    await page.click("#job-form button[type=submit]");
    await page.waitForSelector(".error-summary");
    await page.waitForFunction(() => document.activeElement?.id === "name").catch(() => {});
  });
  await capture("job-new-picker", "/jobs/new", token, async (page) => {
    await page.click("#picker-source_dirs .picker-open");
  });
  await capture("job-new-cron", "/jobs/new", token, async (page) => {
    await page.selectOption(".schedule-row [name$='-schedule_type']", "custom");
    await page.waitForSelector(".schedule-row [name$='-cron_expression']");
    await page.fill(".schedule-row [name$='-cron_expression']", "0 2 * * 1-5");
    await page.waitForFunction(() => document.querySelector(".schedule-row .cron-words")?.textContent?.startsWith("At 02:00"));
    await page.locator("#section-schedules").scrollIntoViewIfNeeded();
  });
} finally {
  await browser.close();
  await server.stop();
  rmSync(base, { recursive: true, force: true });
}

// pngquant (Debian package, in scripts/install-deps) cuts each PNG to a palette: a third of the size, same look.
if (Bun.which("pngquant")) {
  const q = Bun.spawnSync(["pngquant", "--force", "--ext", ".png", "--quality", "60-90", "--speed", "3", ...shots.map((f) => join(OUT, f))]);
  if (q.exitCode !== 0 && q.exitCode !== 99) console.warn(`pngquant: exit ${q.exitCode} ${q.stderr.toString()}`);
} else console.warn("pngquant not installed (apt-get install pngquant): PNGs left uncompressed");

const total = shots.reduce((n, f) => n + statSync(join(OUT, f)).size, 0);
console.log(`${shots.length} screenshots in ${OUT}, ${(total / 1024 / 1024).toFixed(2)} MB`);
if (total > 3 * 1024 * 1024) {
  console.error("screenshots: more than 3 MB, keep them small (viewport only)");
  process.exit(1);
}
