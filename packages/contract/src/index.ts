export * from './api-schemas.js';
export * from './codes.js';
export * from './describer.js';
export * from './errors.js';
export * from './job-status.js';
export * from './analysis-schema.js';
export * from './vision-schema.js';
export * from './documented-schema.js';
