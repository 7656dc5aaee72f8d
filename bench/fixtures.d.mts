// Types of fixtures.mjs, for the TypeScript benchmarks.
export function photo12mp(file: string, options?: { width?: number; height?: number; grain?: number }): Promise<void>;
export function textPage(file: string): Promise<void>;
