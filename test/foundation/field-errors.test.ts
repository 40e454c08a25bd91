// A field error names its field twice: in the message the contract shows ("Field 'x' ...") and in
// ApiError.field for code (nesting, marking a form input). The body stays { error, message }.
import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { parseCredentialData } from "../../src/credentials/service.ts";
import { ApiError, invalidField, nestedFieldError, validationError } from "../../src/http/errors.ts";
import { JobBody } from "../../src/jobs/model.ts";
import { validateJob } from "../../src/jobs/service.ts";
import { testContext } from "../helpers/app.ts";

function caught(f: () => unknown): ApiError {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("did not throw");
}

describe("field errors", () => {
  test("the field travels as a property, not in the body", () => {
    const err = invalidField("name", "must not be blank");
    expect(err.message).toBe("Field 'name' must not be blank");
    expect(err.field).toBe("name");
    expect(err.body()).toEqual({ error: "Invalid request", message: "Field 'name' must not be blank" });
  });

  test("a nested field is composed from the inner error's field", () => {
    const inner = { message: "Field 'bucket' is required", field: "bucket", problem: "is required" };
    const err = nestedFieldError("destination_config", inner);
    expect([err.message, err.field]).toEqual(["Field 'destination_config.bucket' is required", "destination_config.bucket"]);
    const whole = nestedFieldError("data", { message: "must be an object" });
    expect([whole.message, whole.field]).toEqual(["Field 'data' must be an object", "data"]);
  });

  test("validation errors carry the first bad field", () => {
    const first = Value.Errors(JobBody, { name: "", source_dirs: ["/a"], destination_type: "local", destination_config: {} }).First();
    const err = validationError({ type: "body", valueError: first as never });
    expect(err.field).toBe("name");
    expect(err.message.startsWith("Field 'name' ")).toBe(true);
    expect(validationError({ type: "body", valueError: first as never }, "job.").field).toBe("job.name");
  });

  test("a destination's field error names the request field", () => {
    const ctx = testContext();
    const job = caught(() => validateJob(ctx.db, { name: "j", source_dirs: ["/a"], destination_type: "local", destination_config: { mount_point: "relative" } }, ctx.config));
    expect([job.message, job.field]).toEqual(["Field 'destination_config.mount_point' must be an absolute path", "destination_config.mount_point"]);
    const cred = caught(() => parseCredentialData("sftp", { username: "u" }));
    expect(cred.field?.startsWith("data.")).toBe(true);
    expect(cred.message.startsWith(`Field '${cred.field}' `)).toBe(true);
  });
});
