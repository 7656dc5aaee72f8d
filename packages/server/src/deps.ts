import type { CircuitBreaker, JobEventSubscriber, Jobs, Runtime } from '@depict/core';
import type { ProofGate } from './proof-gate.js';

/** The parts the server is built from; tests pass real ones made in a temp directory. */
export interface AppDeps extends Runtime {
  /** Hears job state changes from every process, to answer watchers. */
  readonly subscriber: JobEventSubscriber;
  /** The workers' shared vision circuit breaker, read for /ready. */
  readonly breaker: CircuitBreaker;
  /** Whose turn it is to prove an upload decodable with libvips. */
  readonly proofs: ProofGate;
  /** Cancel, delete and retry, with what follows each (events, uploads, the queue). */
  readonly jobs: Jobs;
}
