import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatabaseUnavailableError } from '../errors/errors.ts';
import { captureLogs } from '../../test/helpers/log-capture.ts';
import { createFailureLog } from './failure-log.ts';

describe('failure log', () => {
  it('logs every failure, but the database being unavailable once per interval with the count left out', () => {
    const capture = captureLogs('info');
    const log = createFailureLog(capture.logger, 60_000);
    log(new Error('statement failed'), { task: 'a' }, 'task failed');
    log(new Error('statement failed'), { task: 'a' }, 'task failed');
    for (let index = 0; index < 5; index++) log(new DatabaseUnavailableError(new Error('connect ECONNREFUSED')), { task: 'a' }, 'task failed');
    log(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), { task: 'a' }, 'task failed');
    const lines = capture.lines.map((line) => JSON.parse(line) as { msg: string; level: number; alsoFailed?: number });
    assert.equal(lines.length, 3);
    assert.equal(lines[2]!.msg, 'task failed: the database is unavailable');
    assert.equal(lines[2]!.alsoFailed, 0);
    assert.equal(lines[0]!.level, 50);
  });
});
