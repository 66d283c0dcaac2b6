/**
 * Request and response schemas: the same objects validate requests (Fastify's ajv) and
 * generate the OpenAPI document, so the two cannot drift.
 */
import { type TUnsafe, Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  {
    message: Type.String(),
    causes: Type.Optional(
      Type.Array(
        Type.Object({
          index: Type.Optional(Type.Integer()),
          id: Type.Optional(Type.String()),
          field: Type.Optional(Type.String()),
          message: Type.String(),
        }),
      ),
    ),
    internalCode: Type.Optional(Type.String()),
  },
  { description: 'An error: 4xx carry `causes`, 5xx an `internalCode`.' },
);

export const AccountParams = Type.Object({
  accountId: Type.String({ description: 'the account (brand)', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
});

export const Source = Type.Optional(
  Type.String({ maxLength: 20, pattern: '^[A-Za-z0-9_]+$', description: 'caller name, recorded in the access log' }),
);

export const AsOf = Type.Optional(Type.String({ description: 'snapshot mark from a previous page link: answers from that snapshot' }));

export const Link = Type.Object({
  rel: Type.Union([Type.Literal('self'), Type.Literal('first'), Type.Literal('previous'), Type.Literal('next'), Type.Literal('last')]),
  href: Type.String({ format: 'uri' }),
});

export const Metadata = Type.Object({ count: Type.Integer(), references: Type.Array(Link) });

export const Timeframe = Type.Object({
  startTime: Type.String({ description: 'RFC 3339 UTC' }),
  endTime: Type.String(),
  startTimeL: Type.Integer({ description: 'epoch ms' }),
  endTimeL: Type.Integer(),
});

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  410: ErrorBody,
};

/** A string enum as one JSON Schema `enum` (a union of literals would report one error per branch). */
export function StringEnum<T extends string>(values: readonly T[], options: { description?: string } = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}
