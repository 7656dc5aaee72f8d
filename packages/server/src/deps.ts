import type { Runtime } from '@depict/shared';

/** The parts the server is built from; tests pass real ones made in a temp directory. */
export type AppDeps = Runtime;
