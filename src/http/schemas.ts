import { Type } from 'typebox';

export const ErrorEnvelope = Type.Object(
  {
    code: Type.Integer({ description: 'HTTP status code' }),
    message: Type.String(),
    data: Type.Any({ description: 'Details, e.g. validation errors; null when none' }),
  },
  { description: 'Error answer' },
);

/** The error answers a route documents, each the envelope: `errorResponses(400, 401, 404)`. */
export function errorResponses<const Code extends number>(...codes: Code[]): Record<Code, typeof ErrorEnvelope> {
  return Object.fromEntries(codes.map((code) => [code, ErrorEnvelope])) as Record<Code, typeof ErrorEnvelope>;
}

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
export const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export function envelope<T>(code: number, message: string, data: T) {
  return { code, message, data };
}
