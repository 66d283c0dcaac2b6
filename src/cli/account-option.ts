import { WfmError } from '../errors.js';

export const ACCOUNT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates an --account value. */
export function requireAccount(value: unknown): string {
  if (typeof value !== 'string' || !ACCOUNT_PATTERN.test(value)) {
    throw new WfmError('WFM_ERR_BAD_REQUEST', `--account must match ${ACCOUNT_PATTERN.source} (got "${String(value)}")`);
  }
  return value;
}
