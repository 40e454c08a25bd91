// Request and response schemas of the verify API (validation and OpenAPI).
import { t } from "elysia";

export const VerifyBody = t.Object(
  {
    deep: t.Optional(
      t.Boolean({
        description:
          "read every file back from the destination and compare its bytes (default false: presence, size, modification time, and the store's own hash where it has one; local/USB always compares by checksum)",
      }),
    ),
  },
  { examples: [{ deep: false }, { deep: true }] },
);

export const VerifyStarted = t.Object({
  run_id: t.Integer(),
  message: t.String(),
});
