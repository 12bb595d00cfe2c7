import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { FastifySchemaCompiler } from 'fastify';

const shared: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the first and last instants an ISO string writes with four digits. */
export const EARLIEST_DATE_TIME = Date.parse('0001-01-01T00:00:00Z');
const LATEST_DATE_TIME = Date.parse('9999-12-31T23:59:59.999Z');
const rfc3339 = fullFormats['date-time'] as { validate: (text: string) => boolean };

/**
 * RFC 3339 date-times that are also instants the service can compute with and PostgreSQL reads
 * back: a leap second (`23:59:60`) has no JavaScript Date, and an instant before year 1 or after
 * 9999 (`0000-01-01T00:00:00Z`, `0001-01-01T00:00:00+14:00`) has no four-digit ISO form,
 * which PostgreSQL refuses. Both were 500s.
 */
function isUsableDateTime(text: string): boolean {
  if (!rfc3339.validate(text)) return false;
  const instant = Date.parse(text);
  return instant >= EARLIEST_DATE_TIME && instant <= LATEST_DATE_TIME;
}

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...shared, ...options });
  addFormats.default(ajv);
  ajv.addFormat('date-time', { type: 'string', validate: isUsableDateTime });
  return ajv;
}

// Query strings, params and headers arrive as text and are coerced to the schema's types
// (and a single value to a one-element array). JSON bodies are taken as sent: a number where
// a string belongs, or 0 where null belongs, is a 400, not silently converted.
const coercing = createAjv({ coerceTypes: 'array' });
const strict = createAjv({ coerceTypes: false });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema as object);
};
