/**
 * The pluggable layer of the call-log import (spec/operations.md "Call logs"): a format turns one
 * line of its file into a format-neutral {@link CallRecord}, or says why the line cannot be used.
 * Everything after that — agent ids, sessions, events, batches — is shared (call-events.ts,
 * import-calls.ts). A second format is one new file implementing {@link CallLogFormat} plus one
 * entry in formats.ts.
 */

/** Why a row was skipped or imported only in part; `code` is what the summary counts. */
export interface RowIssue {
  code: string;
  message: string;
}

/** One served part of a call: an agent's whole service, start and end in epoch ms. */
export interface CallService {
  /** the agent's name as the log writes it (becomes `loginName`; its id is derived from it) */
  agentName: string;
  start: number;
  end: number;
}

/** One call of a log, format-neutral. */
export interface CallRecord {
  /** unique within the account and stable across re-imports: event ids are `<conversationId>:<kind>` */
  conversationId: string;
  /** the row's own calendar date, `YYYY-MM-DD`: the import reads rows in time order, day by day */
  day: string;
  skillId: number;
  /** when the call asked for an agent (epoch ms); absent when it never did (ended in the IVR) */
  queuedAt?: number;
  /** the agent's service; absent when the call was not served (or the row lacks what a segment needs) */
  service?: CallService;
  /** what was left out of a row imported in part (e.g. a served row without an agent name) */
  partial: RowIssue[];
}

export type RowResult = { ok: true; call: CallRecord } | { ok: false; issue: RowIssue };

/** A call type and its skill id, for the documented mapping. */
export interface CallTypeSkill {
  code: string;
  skillId: number;
  description: string;
}

export interface CallLogFormat {
  /** the `--format` value */
  readonly name: string;
  readonly description: string;
  /** every call type the format knows, with its stable skill id; other types are skipped */
  readonly skills: readonly CallTypeSkill[];
  /**
   * Looks at a file's first non-blank line: `'header'` (skip it) or `'data'` (a data row, no
   * header). Throws a clear Error when it is a header of some other layout: nothing can be read.
   */
  classifyFirstLine(line: string): 'header' | 'data';
  /** One data line (without its line end) → a call, or the reason it cannot be imported. Never throws. */
  parseRow(line: string, timeZone: string): RowResult;
}
