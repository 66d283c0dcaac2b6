import { badRequest } from '../errors.js';

/** A body line that is not JSON; reported with its index like any other bad event. */
export class UnparsableLine {
  constructor(readonly message: string) {}
}

/**
 * Parses an ingest body: a JSON array of events, or NDJSON (one event per line; blank lines
 * are skipped). NDJSON lines that are not JSON come back as {@link UnparsableLine}s so the
 * batch's error can list them beside the other bad events.
 *
 * @example parseEventsBody('[{"id":"a"}]', 'application/json') // [{ id: 'a' }]
 */
export function parseEventsBody(body: string, contentType: string | undefined): unknown[] {
  const ndjson = (contentType ?? '').toLowerCase().includes('ndjson');
  if (!ndjson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw badRequest('body is not valid JSON', [{ message: (err as Error).message }]);
    }
    if (!Array.isArray(parsed)) {
      throw badRequest('body must be a JSON array of events (or NDJSON with Content-Type: application/x-ndjson)');
    }
    return parsed;
  }
  const events: unknown[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line));
    } catch (err) {
      events.push(new UnparsableLine(`not valid JSON: ${(err as Error).message}`));
    }
  }
  return events;
}
