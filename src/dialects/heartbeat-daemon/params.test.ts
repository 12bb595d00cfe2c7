import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goJsonStringify } from './go-json.ts';
import { applyParamsPatch, DEFAULT_PARAMS, PARAM_FIELDS, renderParams, type HeartbeatDaemonParams } from './params.ts';

const patch = (body: unknown, current: HeartbeatDaemonParams = DEFAULT_PARAMS) =>
  applyParamsPatch(current, typeof body === 'string' ? body : JSON.stringify(body));

const refused = (body: unknown, current?: HeartbeatDaemonParams): string => {
  const result = patch(body, current);
  assert.equal(result.ok, false, `expected ${JSON.stringify(body)} to be refused`);
  return result.ok ? '' : result.detail;
};

const applied = (body: unknown, current?: HeartbeatDaemonParams): HeartbeatDaemonParams => {
  const result = patch(body, current);
  assert.ok(result.ok, `expected ${JSON.stringify(body)} to apply: ${result.ok ? '' : result.detail}`);
  return result.params;
};

describe('GET /params', () => {
  it('renders the defaults, every value a string, keys in the daemon order', () => {
    const wire = renderParams(DEFAULT_PARAMS);
    assert.deepEqual(Object.keys(wire), [...PARAM_FIELDS]);
    assert.equal(
      goJsonStringify(wire),
      '{"Debug":"0","Nosm":"0","Use_telemetry":"1","Telemetry_host":"","Warntime":"10","Errtime":"30","Port":"28500",' +
        '"Kv_url":"https://localhost:2379","Interval":"5","Sm_url":"http://localhost:27779/hsm/v1","Sm_timeout":"10","Sm_retries":"3"}',
    );
  });

  it('writes strings as Go json.Marshal does (<, >, & escaped)', () => {
    assert.equal(renderParams({ ...DEFAULT_PARAMS, smUrl: 'http://h/?a=1&b=<2>' }).Sm_url, 'http://h/?a=1&b=<2>');
    assert.match(goJsonStringify(renderParams({ ...DEFAULT_PARAMS, smUrl: 'http://h/?a=1&b=<2>' })), /"Sm_url":"http:\/\/h\/\?a=1\\u0026b=\\u003c2\\u003e"/);
  });
});

describe('PATCH /params', () => {
  it('applies lowercase keys and renders them back (TestParams_io)', () => {
    const params = applied({ debug: '3', warntime: '5', errtime: '10' }, { ...DEFAULT_PARAMS, warntime: 1, errtime: 2 });
    assert.equal(params.debug, 3);
    assert.equal(params.warntime, 5);
    assert.equal(params.errtime, 10);
    const wire = renderParams(params);
    assert.equal(wire.Debug, '3');
    assert.equal(wire.Warntime, '5');
    assert.equal(wire.Errtime, '10');
  });

  it('refuses a non-string value (TestParams_io: {"Debug":3})', () => {
    assert.equal(refused({ Debug: 3 }), 'Invalid data type in Debug field. ');
    assert.equal(refused({ Warntime: '5', Sm_retries: 3, Errtime: true }), 'Invalid data type in Errtime field. ');
    // A mistyped key spelled otherwise than the field: the daemon finds no field to name.
    assert.equal(refused({ debug: 3 }), '');
    for (const body of ['', 'nope', '[]', '"x"', '1']) assert.equal(refused(body), 'Invalid JSON data type', body);
  });

  it('leaves everything as it was for null, {} and empty strings', () => {
    for (const body of ['{}', 'null', '{"Warntime":"","Port":"","Debug":null}']) assert.deepEqual(applied(body), { ...DEFAULT_PARAMS }, body);
  });

  it('parses unsigned integers as Go ParseUint(s, 0, 32): base prefixes and digit separators', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['15', 15],
      ['0x1F', 31],
      ['0X1f', 31],
      ['0o17', 15],
      ['0O17', 15],
      ['017', 15],
      ['0b101', 5],
      ['0B101', 5],
      ['1_000', 1000],
      ['0x_1F', 31],
      ['0_17', 15],
      ['4294967295', 4294967295],
      ['00', 0],
    ];
    for (const [value, expected] of cases) assert.equal(applied({ Warntime: value }).warntime, expected, value);
  });

  it("refuses each invalid integer with Parameter '<name>' with illegal value '<value>'; ", () => {
    const bad = ['x', '-1', '+1', '1.5', ' 5', '5 ', '0x', '0b', '0o', '08', '0b2', '0xg', '4294967296', '1__0', '_1', '1_', '0x_', '1e3', '١'];
    const fields: Array<[string, string]> = [
      ['Debug', 'debug'],
      ['Warntime', 'warntime'],
      ['Errtime', 'errtime'],
      ['Interval', 'interval'],
      ['Sm_timeout', 'sm_timeout'],
      ['Sm_retries', 'sm_retries'],
    ];
    for (const [field, name] of fields) {
      for (const value of bad) assert.equal(refused({ [field]: value }), `Parameter '${name}' with illegal value '${value}'; `, `${field}=${value}`);
    }
  });

  it('reads Nosm and Use_telemetry as 0/1/yes/no/on/off/true/false in any case', () => {
    for (const word of ['1', 'yes', 'on', 'true', 'YES', 'On', 'TRUE']) {
      assert.equal(applied({ Nosm: word }).nosm, 1, word);
      assert.equal(applied({ Use_telemetry: word }, { ...DEFAULT_PARAMS, useTelemetry: 0 }).useTelemetry, 1, word);
    }
    for (const word of ['0', 'no', 'off', 'false', 'NO', 'Off', 'False']) {
      assert.equal(applied({ Nosm: word }, { ...DEFAULT_PARAMS, nosm: 1 }).nosm, 0, word);
      assert.equal(applied({ Use_telemetry: word }).useTelemetry, 0, word);
    }
    for (const word of ['2', 'y', 'n', 'enable', ' yes', '01']) {
      assert.equal(refused({ Nosm: word }), `Parameter 'nosm' with illegal value '${word}'; `);
      assert.equal(refused({ Use_telemetry: word }), `Parameter 'use_telemetry' with unknown value '${word}'; `);
    }
  });

  it('requires Telemetry_host as host:port:topic with an integer port', () => {
    for (const value of ['kafka:9092:topic', 'h:+1:t', 'h:-1:t', ':0:']) assert.equal(applied({ Telemetry_host: value }).telemetryHost, value);
    for (const value of ['kafka', 'kafka:9092', 'kafka:9092:topic:extra', 'kafka:port:topic', 'kafka::topic', 'kafka:0x10:topic', 'kafka:1_0:t']) {
      assert.equal(refused({ Telemetry_host: value }), `Parameter 'telemetry_host' with invalid format '${value}'; `, value);
    }
  });

  it('takes any non-empty Sm_url and Kv_url', () => {
    const params = applied({ Sm_url: 'http://hsm:27779/hsm/v2', Kv_url: 'mem:' });
    assert.equal(params.smUrl, 'http://hsm:27779/hsm/v2');
    assert.equal(params.kvUrl, 'mem:');
  });

  it('refuses any change of Port', () => {
    assert.equal(refused({ Port: '28500' }), "Parameter 'port' can't be changed in PATCH operation; ");
    assert.equal(refused({ port: '1' }), "Parameter 'port' can't be changed in PATCH operation; ");
  });

  it('names every bad field, in the daemon order, and changes nothing', () => {
    const detail = refused({
      Sm_retries: 'r',
      Sm_timeout: 't',
      Port: '1',
      Interval: 'i',
      Errtime: 'e',
      Warntime: 'w',
      Telemetry_host: 'h',
      Use_telemetry: 'u',
      Nosm: 'n',
      Debug: 'd',
      Sm_url: 'http://fine',
    });
    assert.equal(
      detail,
      "Parameter 'debug' with illegal value 'd'; Parameter 'nosm' with illegal value 'n'; Parameter 'use_telemetry' with unknown value 'u'; " +
        "Parameter 'telemetry_host' with invalid format 'h'; Parameter 'warntime' with illegal value 'w'; Parameter 'errtime' with illegal value 'e'; " +
        "Parameter 'interval' with illegal value 'i'; Parameter 'port' can't be changed in PATCH operation; " +
        "Parameter 'sm_timeout' with illegal value 't'; Parameter 'sm_retries' with illegal value 'r'; ",
    );
    // One bad field among good ones: refused as a whole.
    assert.equal(refused({ Warntime: '20', Errtime: 'x', Sm_url: 'http://other' }), "Parameter 'errtime' with illegal value 'x'; ");
  });

  it('applies a full valid PATCH and keeps what it does not name', () => {
    const current = { ...DEFAULT_PARAMS, smUrl: 'http://kept' };
    assert.deepEqual(
      applied(
        {
          Debug: '1',
          Nosm: 'yes',
          Use_telemetry: 'no',
          Telemetry_host: 'k:9092:hb',
          Warntime: '5',
          Errtime: '20',
          Interval: '2',
          Sm_timeout: '3',
          Sm_retries: '0x10',
        },
        current,
      ),
      {
        ...current,
        debug: 1,
        nosm: 1,
        useTelemetry: 0,
        telemetryHost: 'k:9092:hb',
        warntime: 5,
        errtime: 20,
        interval: 2,
        smTimeout: 3,
        smRetries: 16,
      },
    );
    assert.deepEqual(current, { ...DEFAULT_PARAMS, smUrl: 'http://kept' }, 'the input object is not changed');
  });
});
