// Preloaded by bun test (bunfig.toml). Keeps test runs quiet and independent of the caller's env.
process.env.TZ ??= "UTC";
