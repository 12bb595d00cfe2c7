import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { badRequest, methodNotAllowed, problemAnswer, problemTitle } from './problem.ts';

describe('RFC 7807 problem answers', () => {
  it('a 400 as the daemon sends it: type, title, detail, instance, status in that order', () => {
    const answer = badRequest('Missing Component field', '/hmi/v1/heartbeat');
    assert.equal(answer.statusCode, 400);
    assert.deepEqual(answer.headers, { 'content-type': 'application/problem+json' });
    assert.equal(
      answer.body,
      '{"type":"about:blank","title":"Invalid Request","detail":"Missing Component field","instance":"/hmi/v1/heartbeat","status":400}\n',
    );
  });

  it('keeps the params detail verbatim, trailing "; " included', () => {
    const answer = badRequest("Parameter 'warntime' with illegal value 'x'; ", '/hmi/v1/params');
    assert.deepEqual(JSON.parse(answer.body), {
      type: 'about:blank',
      title: 'Invalid Request',
      detail: "Parameter 'warntime' with illegal value 'x'; ",
      instance: '/hmi/v1/params',
      status: 400,
    });
  });

  it('leaves empty fields out, but always writes type', () => {
    assert.equal(badRequest('', '/hmi/v1/params').body, '{"type":"about:blank","title":"Invalid Request","instance":"/hmi/v1/params","status":400}\n');
    assert.equal(
      problemAnswer({ status: 500, detail: 'Failed JSON marshall' }).body,
      '{"type":"about:blank","title":"Internal Server Error","detail":"Failed JSON marshall","status":500}\n',
    );
    // hms-base: type has no omitempty; a missing status is sent as 400.
    assert.equal(problemAnswer({ type: '', title: '', status: 0 }).body, '{"type":""}\n');
    assert.equal(problemAnswer({ type: '', title: '', status: 0 }).statusCode, 400);
  });

  it('a 405 carries Allow, per route', () => {
    const heartbeat = methodNotAllowed('heartbeat', '/hmi/v1/heartbeat');
    assert.equal(heartbeat.statusCode, 405);
    assert.deepEqual(heartbeat.headers, { allow: 'POST', 'content-type': 'application/problem+json' });
    assert.deepEqual(JSON.parse(heartbeat.body), {
      type: 'about:blank',
      title: 'Invalid Request',
      detail: 'Only POST operations supported',
      instance: '/hmi/v1/heartbeat',
      status: 405,
    });
    const params = methodNotAllowed('params', '/hmi/v1/params');
    assert.equal(params.headers.allow, 'GET,PATCH');
    assert.equal(JSON.parse(params.body).detail, 'Only PATCH and GET operations supported');
  });

  it('titles: the daemon ones, else the HTTP reason phrase', () => {
    assert.equal(problemTitle(400), 'Invalid Request');
    assert.equal(problemTitle(405), 'Invalid Request');
    assert.equal(problemTitle(500), 'Internal Server Error');
    assert.equal(problemTitle(401), 'Unauthorized');
    assert.equal(problemTitle(503), 'Service Unavailable');
  });

  it('escapes as Go json does', () => {
    assert.equal(JSON.parse(badRequest('a<b>&c', '/x').body).detail, 'a<b>&c');
    assert.match(badRequest('a<b>&c', '/x').body, /"detail":"a\\u003cb\\u003e\\u0026c"/);
  });
});
