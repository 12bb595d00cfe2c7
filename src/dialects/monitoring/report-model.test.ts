import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReportText, validateReport, type MonitoringReport, type ValidationIssue } from './report-model.ts';

// Expected issues were produced by the peer's models under pydantic (TypeAdapter.validate_python
// with from_attributes=True) and FastAPI's json_invalid handling.

/** The peer's own example report. */
const EXAMPLE =
  '{"server_alias":"gpu-01","hostname":"gpu01","ip":"10.0.0.11","uptime_seconds":2592000,"cpu":{"percent":23.4,"loadavg":{"1m":1.2,"5m":1.1,"15m":0.9}},' +
  '"memory":{"total_gb":64,"used_gb":20,"percent":31.2},"disks":[{"mountpoint":"/","fstype":"ext4","free_gb":100,"total_gb":200,"percent":50}],' +
  '"users":[{"name":"satya","tty":"pts/0","host":"192.168.0.5","started":"2025-11-06T09:30:00"}],' +
  '"gpus":[{"index":0,"name":"RTX 3090","utilization_pct":72,"memory_used_mb":9000,"memory_total_mb":24576,"processes":[]}],' +
  '"containers":[{"id":"2f1c3d4e","name":"trainer","image":"pytorch:2.4-cuda","state":"running","created":"2025-11-05T08:00:00Z","ports":"0.0.0.0:8888->8888/tcp","cpu_pct":14.2,"mem_mb":2048}],' +
  '"timestamp":"2025-11-06T14:30:00Z","machine_type":"host","group":"production","os":"Ubuntu 22.04","labels":["gpu","nvidia","ml"]}';

type Body = Record<string, unknown>;
const example = (): Body => JSON.parse(EXAMPLE) as Body;
const at = (body: Body, ...path: (string | number)[]): Body => path.reduce<Body>((value, key) => value[key] as Body, body);

function reportOf(body: unknown): MonitoringReport {
  const result = validateReport(body);
  assert.ok('report' in result, `expected a report, got ${JSON.stringify(result)}`);
  return result.report;
}

function issuesOf(body: unknown): ValidationIssue[] {
  const result = validateReport(body);
  assert.ok('issues' in result, 'expected issues');
  return result.issues;
}

/** The one issue of the example with `path` set to `value`. */
function issueWith(path: (string | number)[], value: unknown): ValidationIssue {
  const body = example();
  at(body, ...path.slice(0, -1))[path.at(-1)!] = value;
  const issues = issuesOf(body);
  assert.equal(issues.length, 1, JSON.stringify(issues));
  return issues[0]!;
}

test('the peer example validates and normalizes', () => {
  const parsed = parseReportText(EXAMPLE);
  assert.ok('value' in parsed);
  assert.deepEqual(reportOf(parsed.value), JSON.parse(EXAMPLE));
});

test('absent optional fields take their defaults', () => {
  const body = example();
  for (const key of ['gpus', 'containers', 'machine_type', 'group', 'os', 'labels']) delete body[key];
  const report = reportOf(body);
  assert.deepEqual(report.gpus, []);
  assert.deepEqual(report.containers, []);
  assert.deepEqual([report.machine_type, report.group, report.os, report.labels], ['host', 'default', 'Unknown', []]);

  const nested = example();
  delete at(nested, 'gpus', 0).processes;
  for (const key of ['ports', 'cpu_pct', 'mem_mb']) delete at(nested, 'containers', 0)[key];
  const filled = reportOf(nested);
  assert.deepEqual(filled.gpus[0]!.processes, []);
  assert.deepEqual([filled.containers[0]!.ports, filled.containers[0]!.cpu_pct, filled.containers[0]!.mem_mb], ['', 0, 0]);
  // Defaults are fresh arrays, never shared between reports.
  assert.notEqual(reportOf(body).labels, report.labels);
});

test('many disks', () => {
  const body = example();
  const disk = at(body, 'disks', 0);
  body.disks = Array.from({ length: 64 }, (_, i) => ({ ...disk, mountpoint: `/data${i}` }));
  const report = reportOf(body);
  assert.equal(report.disks.length, 64);
  assert.equal(report.disks[63]!.mountpoint, '/data63');
});

test('load averages by field name (populate_by_name) come out under the aliases', () => {
  const body = example();
  at(body, 'cpu').loadavg = { one_min: 1, five_min: '2.5', fifteen_min: 3 };
  assert.deepEqual(reportOf(body).cpu.loadavg, { '1m': 1, '5m': 2.5, '15m': 3 });
  // The alias wins over the name, and an error is located under the key that was read.
  at(body, 'cpu').loadavg = { '1m': 1, one_min: 'ignored', five_min: 'x', '15m': 3 };
  assert.deepEqual(issuesOf(body), [
    {
      type: 'float_parsing',
      loc: ['body', 'cpu', 'loadavg', 'five_min'],
      msg: 'Input should be a valid number, unable to parse string as a number',
      input: 'x',
    },
  ]);
  at(body, 'cpu').loadavg = { '5m': 1, '15m': 1 };
  assert.deepEqual(issuesOf(body), [{ type: 'missing', loc: ['body', 'cpu', 'loadavg', '1m'], msg: 'Field required', input: { '5m': 1, '15m': 1 } }]);
});

test('unknown keys are ignored and left out of the report', () => {
  const body = example();
  body.extra = { deep: [1] };
  at(body, 'cpu').temperature = 40;
  const report = reportOf(body);
  assert.equal('extra' in report, false);
  assert.deepEqual(Object.keys(report.cpu), ['percent', 'loadavg']);
});

test('a missing field names the object that lacks it', () => {
  const body = example();
  delete at(body, 'disks', 0).fstype;
  assert.deepEqual(issuesOf(body), [{ type: 'missing', loc: ['body', 'disks', 0, 'fstype'], msg: 'Field required', input: at(body, 'disks', 0) }]);
});

test('str fields take strings only', () => {
  for (const value of [5, true, null, {}, []]) {
    assert.deepEqual(issueWith(['users', 0, 'tty'], value), {
      type: 'string_type',
      loc: ['body', 'users', 0, 'tty'],
      msg: 'Input should be a valid string',
      input: value,
    });
  }
});

test('int fields, lax: bools, integral floats and int strings', () => {
  const body = example();
  body.uptime_seconds = '12';
  at(body, 'gpus', 0).index = true;
  at(body, 'gpus', 0).memory_used_mb = 12.0;
  at(body, 'gpus', 0).memory_total_mb = ' 24_576 ';
  at(body, 'containers', 0).mem_mb = '2048.00';
  const report = reportOf(body);
  assert.equal(report.uptime_seconds, 12);
  assert.deepEqual([report.gpus[0]!.index, report.gpus[0]!.memory_used_mb, report.gpus[0]!.memory_total_mb], [1, 12, 24576]);
  assert.equal(report.containers[0]!.mem_mb, 2048);
  assert.ok(Object.is(reportOf({ ...body, uptime_seconds: -0 }).uptime_seconds, 0));
});

test('int field refusals', () => {
  const path = ['gpus', 0, 'memory_used_mb'];
  const loc = ['body', ...path];
  assert.deepEqual(issueWith(path, 9000.5), {
    type: 'int_from_float',
    loc,
    msg: 'Input should be a valid integer, got a number with a fractional part',
    input: 9000.5,
  });
  for (const value of ['abc', '12.5', '1e3', '', '0x10', '1__0']) {
    assert.deepEqual(issueWith(path, value), {
      type: 'int_parsing',
      loc,
      msg: 'Input should be a valid integer, unable to parse string as an integer',
      input: value,
    });
  }
  for (const value of [null, [], {}]) {
    assert.deepEqual(issueWith(path, value), { type: 'int_type', loc, msg: 'Input should be a valid integer', input: value });
  }
  // Deliberately capped at Number.MAX_SAFE_INTEGER: pydantic would accept these.
  for (const value of [2 ** 53, '9007199254740993', 1e19]) {
    assert.deepEqual(issueWith(path, value), {
      type: 'int_parsing_size',
      loc,
      msg: 'Unable to parse input string as an integer, exceeded maximum size',
      input: value,
    });
  }
});

test('float fields, lax: ints, bools and number strings', () => {
  const body = example();
  at(body, 'memory').percent = '31.5';
  at(body, 'memory').used_gb = true;
  at(body, 'disks', 0).free_gb = '1_0.5';
  at(body, 'disks', 0).percent = '+.5e2';
  const report = reportOf(body);
  assert.deepEqual([report.memory.percent, report.memory.used_gb, report.disks[0]!.free_gb, report.disks[0]!.percent], [31.5, 1, 10.5, 50]);
});

test('float field refusals', () => {
  const path = ['cpu', 'percent'];
  const loc = ['body', ...path];
  // ' 1_0.5': pydantic drops the underscores from the untrimmed text, which then fails.
  for (const value of ['abc', '', '1,5', '0x10', ' 1_0.5']) {
    assert.deepEqual(issueWith(path, value), {
      type: 'float_parsing',
      loc,
      msg: 'Input should be a valid number, unable to parse string as a number',
      input: value,
    });
  }
  for (const value of [null, [], {}]) {
    assert.deepEqual(issueWith(path, value), { type: 'float_type', loc, msg: 'Input should be a valid number', input: value });
  }
  // Deliberately refused: pydantic accepts them and then cannot answer them as JSON.
  for (const value of ['inf', '-Infinity', 'nan', '1e400']) {
    assert.deepEqual(issueWith(path, value), { type: 'finite_number', loc, msg: 'Input should be a finite number', input: value });
  }
});

test('nested models and lists of the wrong kind', () => {
  for (const value of ['big', [1], null, 3]) {
    assert.deepEqual(issueWith(['memory'], value), {
      type: 'model_attributes_type',
      loc: ['body', 'memory'],
      msg: 'Input should be a valid dictionary or object to extract fields from',
      input: value,
    });
  }
  for (const value of [{}, 'a', null, 1]) {
    assert.deepEqual(issueWith(['labels'], value), { type: 'list_type', loc: ['body', 'labels'], msg: 'Input should be a valid list', input: value });
  }
  assert.equal(issueWith(['disks', 0], 7).type, 'model_attributes_type');
});

test('ports may be null', () => {
  const body = example();
  at(body, 'containers', 0).ports = null;
  assert.equal(reportOf(body).containers[0]!.ports, null);
  assert.equal(issueWith(['containers', 0, 'ports'], 8888).type, 'string_type');
});

test('every error of the body, depth-first in field order', () => {
  const body = {
    server_alias: 5,
    hostname: 'h',
    ip: null,
    uptime_seconds: '12.5',
    cpu: { percent: 'x', loadavg: [1] },
    memory: 'big',
    disks: [{ mountpoint: '/', fstype: 'ext4', free_gb: null, total_gb: 1, percent: 2 }, 7],
    users: {},
    gpus: [
      {
        index: true,
        name: 'g',
        utilization_pct: '72',
        memory_used_mb: 9000.5,
        memory_total_mb: '24_576',
        processes: [{ pid: 1.0, username: 'u', cmd: 'c', used_memory_mb: [] }],
      },
    ],
    containers: [{ id: 'i', name: 'n', image: 'im', state: 's', created: 'c', ports: null, mem_mb: ' 7 ' }],
    labels: ['a', 1],
  };
  const model = 'Input should be a valid dictionary or object to extract fields from';
  assert.deepEqual(issuesOf(body), [
    { type: 'string_type', loc: ['body', 'server_alias'], msg: 'Input should be a valid string', input: 5 },
    { type: 'string_type', loc: ['body', 'ip'], msg: 'Input should be a valid string', input: null },
    { type: 'int_parsing', loc: ['body', 'uptime_seconds'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: '12.5' },
    { type: 'float_parsing', loc: ['body', 'cpu', 'percent'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'x' },
    { type: 'model_attributes_type', loc: ['body', 'cpu', 'loadavg'], msg: model, input: [1] },
    { type: 'model_attributes_type', loc: ['body', 'memory'], msg: model, input: 'big' },
    { type: 'float_type', loc: ['body', 'disks', 0, 'free_gb'], msg: 'Input should be a valid number', input: null },
    { type: 'model_attributes_type', loc: ['body', 'disks', 1], msg: model, input: 7 },
    { type: 'list_type', loc: ['body', 'users'], msg: 'Input should be a valid list', input: {} },
    {
      type: 'int_from_float',
      loc: ['body', 'gpus', 0, 'memory_used_mb'],
      msg: 'Input should be a valid integer, got a number with a fractional part',
      input: 9000.5,
    },
    { type: 'int_type', loc: ['body', 'gpus', 0, 'processes', 0, 'used_memory_mb'], msg: 'Input should be a valid integer', input: [] },
    { type: 'missing', loc: ['body', 'timestamp'], msg: 'Field required', input: body },
    { type: 'string_type', loc: ['body', 'labels', 1], msg: 'Input should be a valid string', input: 1 },
  ]);
});

test('a body that is not an object', () => {
  for (const value of ['report', [JSON.parse(EXAMPLE)], null, 5, true]) {
    assert.deepEqual(issuesOf(value), [
      { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: value },
    ]);
  }
  const missing = issuesOf({});
  assert.deepEqual(
    missing.map((issue) => issue.loc[1]),
    ['server_alias', 'hostname', 'ip', 'uptime_seconds', 'cpu', 'memory', 'disks', 'users', 'timestamp'],
  );
});

test('an empty body is a missing body', () => {
  assert.deepEqual(parseReportText(''), { issues: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
});

test('invalid JSON: json_invalid at Python’s position, with its reason', () => {
  const invalid = (pos: number, error: string) => ({
    issues: [{ type: 'json_invalid', loc: ['body', pos], msg: 'JSON decode error', input: {}, ctx: { error } }],
  });
  assert.deepEqual(parseReportText(' '), invalid(1, 'Expecting value'));
  assert.deepEqual(parseReportText('{'), invalid(1, 'Expecting property name enclosed in double quotes'));
  assert.deepEqual(parseReportText('{"a"'), invalid(4, "Expecting ':' delimiter"));
  assert.deepEqual(parseReportText('{"a":1'), invalid(6, "Expecting ',' delimiter"));
  assert.deepEqual(parseReportText('{"a":1,}'), invalid(7, 'Expecting property name enclosed in double quotes'));
  assert.deepEqual(parseReportText('[1,]'), invalid(3, 'Expecting value'));
  assert.deepEqual(parseReportText('{"a":tru}'), invalid(5, 'Expecting value'));
  assert.deepEqual(parseReportText('{"a":"b'), invalid(5, 'Unterminated string starting at'));
  assert.deepEqual(parseReportText('"a\\x"'), invalid(2, 'Invalid \\escape'));
  assert.deepEqual(parseReportText('"a\\u12x4"'), invalid(3, 'Invalid \\uXXXX escape'));
  assert.deepEqual(parseReportText('"a\u0001"'), invalid(2, 'Invalid control character at'));
  assert.deepEqual(parseReportText('{"a":1}}'), invalid(7, 'Extra data'));
  assert.deepEqual(parseReportText('01'), invalid(1, 'Extra data'));
  // Python counts code points: the emoji is one character there, two UTF-16 units here.
  assert.deepEqual(parseReportText('{"name":"😀", "x": }'), invalid(18, 'Expecting value'));
  // Python accepts NaN; Muster refuses it where the value starts.
  assert.deepEqual(parseReportText('{"a":NaN}'), invalid(5, 'Expecting value'));
  // A byte order mark is dropped, as Starlette's utf-8-sig decoding does.
  assert.deepEqual(parseReportText('\uFEFF{"a":1}'), { value: { a: 1 }, json: '{"a":1}' });
});

test('deep nesting in an invalid body does not overflow the stack', () => {
  const text = '['.repeat(200_000);
  assert.deepEqual(parseReportText(text), {
    issues: [{ type: 'json_invalid', loc: ['body', 200_000], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }],
  });
});
