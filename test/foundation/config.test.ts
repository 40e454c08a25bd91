import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("configuration", () => {
  test("defaults match the contract", () => {
    const c = loadConfig([], {}, "/srv/dm");
    expect(c).toEqual({
      host: "0.0.0.0",
      port: 8000,
      dataDir: "/srv/dm/data",
      allowedBrowsePaths: ["/mnt", "/home", "/media"],
      secureCookies: false,
      trustProxy: false,
      logLevel: "info",
    });
  });

  test("env is read and flags win over env", () => {
    const env = { PORT: "9000", HOST: "127.0.0.1", DYNAMIGHT_DATA_DIR: "/var/lib/dm", ALLOWED_BROWSE_PATHS: "/a, /b/../c", SECURE_COOKIES: "1", LOG_LEVEL: "DEBUG" };
    const c = loadConfig(["--port", "9100", "--data=/x"], env, "/");
    expect(c.port).toBe(9100);
    expect(c.host).toBe("127.0.0.1");
    expect(c.dataDir).toBe("/x");
    expect(c.allowedBrowsePaths).toEqual(["/a", "/c"]);
    expect(c.secureCookies).toBe(true);
    expect(c.logLevel).toBe("debug");
    expect(loadConfig(["--secure-cookies"], {}, "/").secureCookies).toBe(true);
  });

  test.each([
    [["--port", "abc"], {}, /port must be a number from 1 to 65535, got "abc"/],
    [["--port", "70000"], {}, /port must be a number/],
    [[], { PORT: "-1" }, /port must be a number/],
    [["--bogus"], {}, /unknown option --bogus/],
    [["--port"], {}, /--port needs a value/],
    [[], { LOG_LEVEL: "loud" }, /log level must be one of/],
    [[], { SECURE_COOKIES: "maybe" }, /SECURE_COOKIES must be true or false/],
    [[], { ALLOWED_BROWSE_PATHS: "relative/dir" }, /must be absolute/],
  ] as [string[], Record<string, string>, RegExp][])("bad configuration %p %p gives a one-line error", (argv, env, re) => {
    let err: unknown;
    try {
      loadConfig(argv, env, "/");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toContain("\n");
  });
});
