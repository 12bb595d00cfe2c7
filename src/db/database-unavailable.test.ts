import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { DatabaseUnavailableError } from '../errors/errors.ts';
import { asDatabaseError, isDatabaseUnavailable } from './database-unavailable.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('recognising an unavailable database', () => {
  it('recognises a server that is down, restarting, out of resources or too slow', () => {
    for (const error of [
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      withCode('ECONNRESET'),
      withCode('ETIMEDOUT'),
      withCode('EAI_AGAIN'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('53300', 'sorry, too many clients already'),
      withCode('53100', 'could not extend file: No space left on device'),
      withCode('08006'),
      withCode('57014', 'canceling statement due to statement timeout'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new Error('Client has encountered a connection error and is not queryable'),
      // localhost: one refusal per address.
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], ''),
      // pg-boss reports its workers' errors as plain copies.
      { ...withCode('57P01'), message: 'terminating connection (Queue: inventory.process, Worker: 1)' },
      new Error('connection failed', { cause: withCode('ECONNREFUSED') }),
      new DatabaseUnavailableError(new Error('down')),
    ]) {
      assert.equal(isDatabaseUnavailable(error), true, inspect(error, { depth: 1 }));
    }
  });

  it('leaves alone errors of the statement or the data, and anything else', () => {
    for (const error of [
      withCode('42P01', 'relation "x" does not exist'),
      withCode('23505', 'duplicate key value violates unique constraint'),
      withCode('22P02', 'invalid input syntax for type json'),
      withCode('40001', 'could not serialize access'),
      withCode('ENOENT'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('42P01')], ''),
      new Error('something else'),
      'a string',
      null,
      undefined,
    ]) {
      assert.equal(isDatabaseUnavailable(error), false, inspect(error, { depth: 1 }));
    }
  });

  it('wraps what it recognises into a 503 with Retry-After, keeping the cause', () => {
    const refused = withCode('ECONNREFUSED');
    const wrapped = asDatabaseError(refused);
    assert.ok(wrapped instanceof DatabaseUnavailableError);
    assert.equal(wrapped.statusCode, 503);
    assert.equal(wrapped.retryAfterSeconds, 2);
    assert.equal(wrapped.cause, refused);
    assert.equal(asDatabaseError(wrapped), wrapped);
    const syntax = withCode('42601');
    assert.equal(asDatabaseError(syntax), syntax);
  });
});
