export { createAnalyzerDescriber, ANALYZER_VERSION } from './analyzer-describer.js';
export { analyzeImage, factsOf, type AnalysisFacts } from './facts.js';
export { describeFacts } from './wording.js';
