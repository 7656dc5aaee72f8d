export { createApp } from './app.js';
export type { AppDeps } from './deps.js';
export { appRouter, type AppRouter } from './router.js';
