export { createAnalyzerDescriber, ANALYZER_VERSION, type AnalyzerOptions } from './analyzer-describer.js';
export { AnalysisSchema, type Analysis } from '@depict/contract';
export { analyzeImage, measureImage, type AnalyzeOptions } from './facts.js';
export { OcrEngine, type OcrMode } from './ocr.js';
export { describeFacts, ALT_TEXT_MAX, type Length } from './wording.js';
