export {
  type Analysis,
  type Attempt,
  DepictClient,
  type DepictClientOptions,
  type DeleteResponse,
  type DescribeOptions,
  type ListResponse,
  type DoneDetails,
  type DoneResult,
  type ImageSource,
  type JobStatus,
  type ResultResponse,
  type RetryManyResponse,
  type StatsResponse,
  type StatusResponse,
  type SubmitOptions,
  type SubmitResponse,
  type Usage,
  type VisionAnswer,
  type VisionDetails,
} from './client.js';
export { DepictApiError, DepictJobFailedError, DepictTimeoutError } from './errors.js';
export { CODES, mayPassOnRetry, type Code, type ErrorCode, type JobFailureCode } from '@depict/contract';
