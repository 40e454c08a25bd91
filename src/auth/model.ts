// Request and response schemas of /api/auth/*, shared by the routes and the OpenAPI document.
import { t } from "elysia";
import * as E from "../docs/examples.ts";
import { errorResponses } from "../http/schemas.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords.ts";

const Username = t.String({ minLength: 1, maxLength: 64, examples: ["admin"] });
const NewPassword = t.String({
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: MAX_PASSWORD_LENGTH,
  error: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
  description: `At least ${MIN_PASSWORD_LENGTH} characters`,
});
const AnyPassword = t.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });

export const SetupBody = t.Object({ username: Username, password: NewPassword }, { examples: E.SETUP });
export const LoginBody = t.Object({ username: Username, password: AnyPassword }, { examples: E.LOGIN });
export const ChangePasswordBody = t.Object({ current_password: AnyPassword, new_password: NewPassword }, { examples: E.CHANGE_PASSWORD });

export const UserRef = t.Object({ id: t.Integer(), username: t.String() });
export const TotpRequired = t.Object({
  totp_required: t.Literal(true),
  totp_token: t.String({ description: "Short-lived (5 min), single-use token for /auth/totp/validate or /auth/totp/recovery" }),
});
export const Me = t.Object({
  id: t.Integer(),
  username: t.String(),
  totp_enabled: t.Boolean(),
  auth: t.Union([t.Literal("session"), t.Literal("api_key")]),
  scope: t.Union([t.Literal("read"), t.Literal("write")]),
});
export { Message } from "../http/schemas.ts";
export const SetupRequired = t.Object({ setup_required: t.Boolean() });
export const TokenOut = t.Object({ token: t.String({ description: "The session JWT (for WebSocket ?token=)" }) });
export const LoggedOutAll = t.Object({ message: t.String(), ended_sessions: t.Integer() });
export const PasswordChanged = t.Object({ message: t.String(), ended_sessions: t.Integer({ description: "Other sessions that were ended" }) });

export const SessionOut = t.Object({
  id: t.String(),
  created_at: t.String(),
  last_seen_at: t.String(),
  expires_at: t.String(),
  ip: t.Union([t.String(), t.Null()]),
  user_agent: t.Union([t.String(), t.Null()]),
  current: t.Boolean(),
});

const Code = t.String({ minLength: 1, maxLength: 32, description: "6-digit code from the authenticator app", examples: ["123456"] });
export const TotpStatus = t.Object({ enabled: t.Boolean(), remaining_codes: t.Integer({ description: "Unused recovery codes (0 when 2FA is off)" }) });
export const TotpSetupOut = t.Object({ secret: t.String(), qr_code: t.String({ description: "PNG data URL" }), otpauth_url: t.String() });
export const TotpEnableBody = t.Object({ secret: t.String({ minLength: 16, maxLength: 128 }), code: Code }, { examples: E.TOTP_ENABLE });
export const TotpEnableOut = t.Object({ enabled: t.Literal(true), recovery_codes: t.Array(t.String(), { description: "Shown once; stored hashed" }) });
export const TotpDisableBody = t.Object({ code: t.String({ minLength: 1, maxLength: 32, description: "A current authenticator code, or an unused recovery code" }) }, { examples: E.TOTP_DISABLE });
export const TotpDisableOut = t.Object({ enabled: t.Literal(false) });
export const TotpValidateBody = t.Object({ totp_token: t.String({ minLength: 1, maxLength: 2048 }), code: Code }, { examples: E.TOTP_VALIDATE });
export const TotpRecoveryBody = t.Object(
  { totp_token: t.String({ minLength: 1, maxLength: 2048 }), recovery_code: t.String({ minLength: 1, maxLength: 32, examples: ["ABCD-EF23-GHJK"] }) },
  { examples: E.TOTP_RECOVERY },
);
export const RecoveryOut = t.Object({ id: t.Integer(), username: t.String(), remaining_codes: t.Integer() });

export const Scope = t.Union([t.Literal("read"), t.Literal("write")], { description: "`read`: GET only; `write`: everything" });
export const ApiKeyOut = t.Object({
  id: t.Integer(),
  name: t.String(),
  scope: Scope,
  prefix: t.String({ description: "First characters of the key, to tell keys apart" }),
  created_at: t.String(),
  last_used_at: t.Union([t.String(), t.Null()]),
});
export const ApiKeyCreateBody = t.Object({ name: t.String({ minLength: 1, maxLength: 64 }), scope: Scope }, { examples: E.API_KEY_CREATE });
export const ApiKeyCreated = t.Composite([ApiKeyOut, t.Object({ key: t.String({ description: "The key itself: shown only in this response" }) })]);
export const SessionParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });

export const errors = (...codes: (400 | 401 | 403 | 404 | 409 | 429)[]) => errorResponses(...codes);

/** OpenAPI security of a protected route (cookie, Bearer JWT or API key). */
export const PROTECTED: Record<string, string[]>[] = [{ cookie: [] }, { bearer: [] }, { apiKey: [] }];
