// Types of stats.mjs, for the TypeScript benchmarks.
export declare const median: (xs: readonly number[]) => number;
export declare function timeRuns(runs: number, fn: () => unknown): Promise<number[]>;
export declare const ms: (x: number) => string;
