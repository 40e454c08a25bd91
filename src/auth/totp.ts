// TOTP (RFC 6238) with otplib v13: 30 s steps, 6 digits, SHA-1 (what every authenticator app
// expects), one step of drift either way. Replay protection is the caller's job through
// `afterStep` (users.totp_last_step) and claimTotpStep.
import { generateSecret, generateURI, verify } from "otplib";

export const TOTP_PERIOD = 30;
export const TOTP_ISSUER = "Dynamight";
const CODE = /^\d{6}$/;
// Base32 of 20 bytes is 32 characters; accept what otplib itself could have produced or a user pasted.
const SECRET = /^[A-Z2-7]{26,128}=*$/;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function isTotpSecret(secret: string): boolean {
  return SECRET.test(secret);
}

export function normaliseTotpCode(code: string): string {
  return code.replace(/[\s-]/g, "");
}

export function looksLikeTotpCode(code: string): boolean {
  return CODE.test(normaliseTotpCode(code));
}

export function otpauthUrl(username: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret, period: TOTP_PERIOD, digits: 6, algorithm: "sha1" });
}

// qrcode loads on first use: only the 2FA set-up page draws one (start-up memory, issue 17).
export async function qrCodeDataUrl(text: string): Promise<string> {
  const { default: QRCode } = await import("qrcode");
  return QRCode.toDataURL(text, { errorCorrectionLevel: "M", margin: 2, width: 240 });
}

/**
 * The time step the code belongs to when it is valid for now ±1 step and later than
 * `afterStep`; null otherwise (wrong, malformed, expired or replayed).
 */
export async function checkTotpCode(secret: string, code: string, afterStep: number | null, nowMs = Date.now()): Promise<number | null> {
  const token = normaliseTotpCode(code);
  if (!CODE.test(token)) return null;
  try {
    const result = await verify({
      secret,
      token,
      period: TOTP_PERIOD,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: TOTP_PERIOD,
      ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
    });
    // The functional API returns the HOTP|TOTP union; with the default strategy it is the TOTP result.
    return result.valid && "timeStep" in result ? result.timeStep : null;
  } catch {
    // otplib throws on malformed input (e.g. a secret that is not base32): a failed check, never a 500.
    return null;
  }
}
