import type { FastifyRequest } from 'fastify';
import { formatUtcMillis } from '../../domain/time.js';
import type { TimeWindow } from '../../store/store.js';
import type { AppContext } from '../app.js';

/** The base of absolute link URLs: the configured public URL, else the request's own host. */
export function baseUrlOf(request: FastifyRequest, ctx: AppContext): string {
  return ctx.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function requestPath(request: FastifyRequest): string {
  return request.url.split('?')[0] as string;
}

/** The request's query parameters exactly as sent (order and repeats kept). */
export function queryParams(request: FastifyRequest): URLSearchParams {
  const q = request.url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1));
}

export function timeframeOf(window: TimeWindow) {
  return {
    startTime: formatUtcMillis(window.from),
    endTime: formatUtcMillis(window.to),
    startTimeL: window.from,
    endTimeL: window.to,
  };
}

/** The content type of a body a route writes as JSON text itself (what Fastify sets for JSON). */
export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Serialises with JSON.stringify: for responses whose schema is a union (documented for
 * OpenAPI), where schema-driven serialisation would validate every page against each branch.
 */
export const plainJson = () => (data: unknown) => JSON.stringify(data);
