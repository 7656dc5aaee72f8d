import { jobRouter } from './job-router.js';
import { router } from './trpc.js';

export const appRouter = router({ job: jobRouter });

/** The API's type, for @depict/sdk and any tRPC client. */
export type AppRouter = typeof appRouter;
