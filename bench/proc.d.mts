// Types of proc.mjs, for the TypeScript benchmarks.
export declare function memoryMb(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number;
export declare function cpuMs(pid: number | 'self', tid?: number): number;
