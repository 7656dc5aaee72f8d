export {
  DepictClient,
  type DepictClientOptions,
  type DescribeOptions,
  type DoneResult,
  type ImageSource,
  type JobStatus,
  type ResultResponse,
  type StatusResponse,
  type SubmitOptions,
  type SubmitResponse,
} from './client.js';
export { DepictApiError, DepictJobFailedError, DepictTimeoutError } from './errors.js';
