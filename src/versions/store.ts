// A job's store, opened for reading versions back exactly as browse opens it (src/read-back/access.ts).
import type { AppContext } from "../context.ts";
import type { RemoteStore } from "../destinations/contract.ts";
import { jobAccess, quietReporter, storeEnvDeps, withJobStore as withAccessStore } from "../read-back/access.ts";

/** Runs `fn` on job `jobId`'s store: 404 no job (or a missing root), 409 a refused drive, 502 unreachable. */
export function withJobStore<T>(ctx: AppContext, jobId: number, fn: (store: RemoteStore) => Promise<T>): Promise<T> {
  return withAccessStore(
    storeEnvDeps(ctx),
    jobAccess(ctx.db, jobId),
    quietReporter((m) => ctx.logger.warn(m)),
    fn,
  );
}
