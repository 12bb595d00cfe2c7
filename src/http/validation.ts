import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const shared: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...shared, ...options });
  addFormats.default(ajv);
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
