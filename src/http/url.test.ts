import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQueryString, stripBasePath } from './url.ts';

describe('stripBasePath', () => {
  it('maps paths under the prefix to the root and leaves others alone', () => {
    assert.equal(stripBasePath('/collect/api/health', '/collect'), '/api/health');
    assert.equal(stripBasePath('/collect', '/collect'), '/');
    assert.equal(stripBasePath('/collect?x=1', '/collect'), '/?x=1');
    assert.equal(stripBasePath('/collector/api', '/collect'), '/collector/api');
    assert.equal(stripBasePath('/api/health', '/collect'), '/api/health');
    assert.equal(stripBasePath('/api/health', ''), '/api/health');
  });
});

describe('parseQueryString', () => {
  it('turns repeated keys and key[] into arrays', () => {
    assert.deepEqual(parseQueryString('status=active&status=warning&page=2'), { status: ['active', 'warning'], page: '2' });
    assert.deepEqual(parseQueryString('severity[]=high'), { severity: ['high'] });
    assert.deepEqual(parseQueryString('severity[]=high&severity[]=low&search=a%20b'), { severity: ['high', 'low'], search: 'a b' });
  });
});
