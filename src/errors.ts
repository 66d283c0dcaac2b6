/**
 * The one error catalog: a stable code, its HTTP status and the CLI exit code.
 * The API answers `{"message", "causes"?}` (4xx) or `{"message", "internalCode"}` (5xx).
 */
export const ERROR_CATALOG = {
  WFM_ERR_BAD_REQUEST: { status: 400, exitCode: 2 },
  WFM_ERR_UNAUTHORIZED: { status: 401, exitCode: 3 },
  WFM_ERR_FORBIDDEN: { status: 403, exitCode: 3 },
  WFM_ERR_NOT_FOUND: { status: 404, exitCode: 4 },
  WFM_ERR_CONFLICT: { status: 409, exitCode: 5 },
  WFM_ERR_SNAPSHOT_EXPIRED: { status: 410, exitCode: 6 },
  WFM_ERR_TOO_LARGE: { status: 413, exitCode: 2 },
  WFM_ERR_UNSUPPORTED_MEDIA: { status: 415, exitCode: 2 },
  WFM_ERR_RATE_LIMITED: { status: 429, exitCode: 7 },
  WFM_ERR_INTERNAL: { status: 500, exitCode: 1 },
  WFM_ERR_UNAVAILABLE: { status: 503, exitCode: 8 },
  WFM_ERR_CONFIG: { status: 500, exitCode: 9 },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** One reason a request or an event was refused; `index`/`id` point into an ingest batch. */
export interface Cause {
  field?: string;
  message: string;
  index?: number;
  id?: string;
}

export class WfmError extends Error {
  readonly code: ErrorCode;
  readonly causes: Cause[];

  constructor(code: ErrorCode, message: string, causes: Cause[] = []) {
    super(message);
    this.name = 'WfmError';
    this.code = code;
    this.causes = causes;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  get exitCode(): number {
    return ERROR_CATALOG[this.code].exitCode;
  }
}

export const badRequest = (message: string, causes: Cause[] = []): WfmError => new WfmError('WFM_ERR_BAD_REQUEST', message, causes);
