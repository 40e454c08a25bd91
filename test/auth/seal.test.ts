import { describe, expect, test } from "bun:test";
import { open, SealError, seal } from "../../src/crypto/seal.ts";

const key = crypto.getRandomValues(new Uint8Array(32));

describe("seal/open (AES-256-GCM)", () => {
  test("round trip, and a fresh IV each time", () => {
    const a = seal(key, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "totp:user:1");
    const b = seal(key, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "totp:user:1");
    expect(a).not.toBe(b);
    expect(a).not.toContain("JBSWY3DP");
    expect(open(key, a, "totp:user:1")).toBe("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
  });

  test("a tampered value, another key or another context does not open", () => {
    const sealed = seal(key, "secret data", "credential:7");
    const raw = Buffer.from(sealed.slice(3), "base64url");
    raw[14]! ^= 1;
    expect(() => open(key, `v1.${raw.toString("base64url")}`, "credential:7")).toThrow(SealError);
    expect(() => open(crypto.getRandomValues(new Uint8Array(32)), sealed, "credential:7")).toThrow(SealError);
    expect(() => open(key, sealed, "credential:8")).toThrow(SealError);
    expect(() => open(key, "not sealed")).toThrow(SealError);
    expect(() => open(key, "v1.AAAA")).toThrow(SealError);
  });
});
