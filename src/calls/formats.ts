/** The call-log formats `wfm import-calls --format` knows, by name. A new format is one file and one entry here. */
import { ANONYMOUS_BANK } from './anonymous-bank.js';
import type { CallLogFormat } from './call-log-format.js';

export const CALL_LOG_FORMATS: ReadonlyMap<string, CallLogFormat> = new Map([[ANONYMOUS_BANK.name, ANONYMOUS_BANK]]);
