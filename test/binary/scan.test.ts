// The smoke tests pass only if this scanner finds what it should; prove it on known pages.
import { describe, expect, test } from "bun:test";
import { cssUrls, httpUrlsIn, scanHtml } from "./scan.ts";

describe("scanHtml", () => {
  test("collects same-origin assets and ignores navigations", async () => {
    const page = `<!doctype html><html><head>
      <link rel="stylesheet" href="/assets/app.css?v=1"><link rel=icon href='/assets/favicon.svg'>
      <script src="/assets/app.js" defer></script></head>
      <body><a href="/jobs">Jobs</a><form action="/setup" method="post"></form><img src="data:image/png;base64,AA"></body></html>`;
    const scan = await scanHtml(page);
    expect(scan.assets.sort()).toEqual(["/assets/app.css?v=1", "/assets/app.js", "/assets/favicon.svg"]);
    expect(scan.external).toEqual([]);
  });

  test("finds off-origin loads in every form", async () => {
    const page = `<html><head>
      <SCRIPT SRC=https://cdn.example/htmx.js></SCRIPT>
      <link href="//fonts.example/css" rel="stylesheet">
      <style>body { background: url( 'http://img.example/bg.png' ) } @import "https://x.example/a.css";</style>
      <script>fetch("https://telemetry.example/ping")</script></head>
      <body><img srcset="/a.png 1x, https://img.example/b.png 2x"><form action="http://evil.example/post"></form>
      <div style="background-image:url(https://img.example/c.png)"></div>
      <a href="https://github.com/x">a link is not a load but an absolute one is still reported</a></body></html>`;
    const { external } = await scanHtml(page);
    const joined = external.join("\n");
    for (const url of [
      "https://cdn.example/htmx.js",
      "//fonts.example/css",
      "http://img.example/bg.png",
      "https://x.example/a.css",
      "https://telemetry.example/ping",
      "https://img.example/b.png",
      "http://evil.example/post",
      "https://img.example/c.png",
      "https://github.com/x",
    ]) {
      expect(joined).toContain(url);
    }
  });

  test("an svg namespace inside a data: url is not a load", async () => {
    const css = `.a{background:url("data:image/svg+xml;charset=utf-8,<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>")}`;
    const { external } = await scanHtml(`<style>${css}</style>`);
    expect(external).toEqual([]);
    expect(cssUrls(css)[0]).toStartWith("data:");
  });
});

test("httpUrlsIn finds plain URLs in code", () => {
  expect(httpUrlsIn(`const a = "https://x.example/p?q=1"; // see http://y.example`)).toEqual(["https://x.example/p?q=1", "http://y.example"]);
  expect(httpUrlsIn("location.href = '/login'")).toEqual([]);
});
