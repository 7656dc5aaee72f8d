/**
 * An example answer for each operation of /openapi.json, by operationId and status.
 * They are what the server answers (the analysis is the analyzer's own, for a 640 x 480
 * drawing), and the linter checks each against its schema.
 */

const JOB_ID = '0b6c6f1e-8d1c-4a49-9a51-3c2f0f6f2b7e';
const OTHER_ID = '5d0c2a4e-7f3b-4c1d-9e8a-2b6f4d3c1a90';
const CREATED = '2026-05-04T09:30:12.345Z';
const UPDATED = '2026-05-04T09:30:13.012Z';

const links = (id: string) => ({ status_url: `/status/${id}`, result_url: `/result/${id}` });

const attempt = {
  attempt: 1,
  started_at: '2026-05-04T09:30:12.401Z',
  finished_at: UPDATED,
  outcome: 'done',
  error: null,
  describer: 'depict-analyzer@0.2.0',
  model_calls: 0,
};

/** A real analysis of a 640 x 480 JPEG scene (sky, grass, a sun), OCR off. */
const analysis = {
  format: 'jpeg',
  width: 640,
  height: 480,
  megapixels: 0.3,
  orientation: 'landscape',
  exifOrientation: 1,
  bitDepth: 8,
  progressive: false,
  animated: false,
  hasAlpha: false,
  transparentShare: 0,
  translucentShare: 0,
  transparentBackground: false,
  palette: [
    { name: 'sky blue', hex: '#87ceea', share: 0.574 },
    { name: 'sea green', hex: '#2e8a57', share: 0.398 },
    { name: 'gold', hex: '#fdd703', share: 0.024 },
  ],
  accent: null,
  layout: {
    top: 'sky blue',
    bottom: 'sea green',
  },
  uniform: false,
  grayscale: false,
  blackAndWhite: false,
  colourfulness: 81.3,
  temperature: 'cool',
  lightness: 68.2,
  brightness: 'balanced',
  lightnessSpread: 13.9,
  contrast: 'moderate',
  underexposedShare: 0,
  overexposedShare: 0,
  clippedHighlights: 0,
  clippedShadows: 0,
  sharpnessScore: null,
  sharpness: null,
  motionBlur: null,
  colourCount: 7,
  flatShare: 0.962,
  smoothShare: 0.973,
  edgeShare: 0.0026,
  lineShare: 0.0026,
  textRows: 0,
  camera: null,
  text: {
    ocr: 'off',
    lines: [],
    words: 0,
  },
  kind: 'illustration',
  objects: [],
  people: 0,
};

const queuedStatus = { job_id: JOB_ID, status: 'queued', created_at: CREATED, updated_at: CREATED };
const doneStatus = { job_id: JOB_ID, status: 'done', created_at: CREATED, updated_at: UPDATED };

export const SUCCESS_EXAMPLES: Record<string, Record<string, unknown>> = {
  'job-submit': { '202': { job_id: JOB_ID, status: 'queued', ...links(JOB_ID) } },
  'job-status': { '200': { ...doneStatus, details: { attempts: [attempt] } } },
  'job-result': {
    '200': {
      job_id: JOB_ID,
      status: 'done',
      description: 'A landscape illustration, 640 x 480 (0.3 MP), JPEG. Mostly sky blue and sea green, with some gold.',
      _generated_by: 'depict-analyzer@0.2.0',
      details: { analysis, attempts: [attempt] },
      created_at: CREATED,
      completed_at: UPDATED,
    },
    '202': { job_id: JOB_ID, status: 'processing' },
  },
  'job-list': { '200': { items: [doneStatus, { ...queuedStatus, job_id: OTHER_ID }], next_cursor: null } },
  'job-delete': { '200': { job_id: JOB_ID, status: 'canceled', deleted: false } },
  'job-retry': { '200': { ...queuedStatus, updated_at: UPDATED } },
  'job-retryMany': { '200': { retried: 1, job_ids: [JOB_ID], upload_gone: 0 } },
  'job-stats': {
    '200': {
      counts: { queued: 2, processing: 1, done: 40, failed: 1 },
      queue_ms_p50: 35,
      processing_ms_p50: 420,
      sample: 41,
      usage: {
        days: [{ date: '2026-11-30', jobs: 40, input_tokens: 34_000, output_tokens: 9_600, total_tokens: 43_600, cost_usd: 0.01086 }],
        tokens_today: 0,
        daily_token_limit: 500_000,
        resets_at: '2026-12-01T00:00:00.000Z',
      },
    },
  },
  'job-events': {
    '200':
      `event: status\nid: ${CREATED}\ndata: ${JSON.stringify(queuedStatus)}\n\n` +
      `event: status\nid: ${UPDATED}\ndata: ${JSON.stringify(doneStatus)}\n\n`,
  },
  health: { '200': { status: 'ok' } },
  ready: {
    '200': {
      ready: true,
      checks: [
        { name: 'job_store', ok: true },
        { name: 'data_dir', ok: true },
        { name: 'redis', ok: true },
      ],
      details: { vision_breaker: { state: 'closed', failures: 0 } },
    },
    '503': {
      ready: false,
      checks: [
        { name: 'job_store', ok: true },
        { name: 'data_dir', ok: true },
        { name: 'redis', ok: false, error: 'not connected' },
      ],
      details: { vision_breaker: { state: 'unknown' } },
      error: { code: 'not_ready', message: 'Not ready: redis (not connected).' },
    },
  },
  metrics: { '200': '# HELP depict_jobs Jobs in the job store by status.\n# TYPE depict_jobs gauge\ndepict_jobs{status="queued"} 2\ndepict_jobs{status="done"} 40\n' },
  openapi: { '200': { openapi: '3.1.0', info: { title: 'Depict', version: '0.2.0' }, paths: {} } },
};
