import { pythonJsonError } from './python-json-error.ts';
import { parseFloatString, parseIntString } from './python-numbers.ts';

/**
 * The body of the monitoring agent's `POST /api/report`, validated as the peer (FastAPI 0.115 +
 * pydantic 2.9, `TypeAdapter.validate_python(body, from_attributes=True)`, lax mode) does, with
 * its error list: every error of the body, depth-first in model field order, `loc` starting with
 * "body" and using the aliases ("1m"). Checked against pydantic 2.13's output.
 *
 * Deliberate differences, each for a value Muster could not store faithfully:
 * - ints beyond ±Number.MAX_SAFE_INTEGER are refused with `int_parsing_size` (pydantic accepts
 *   any int, and floats up to 2^63, but JSON.parse has already rounded them);
 * - non-finite floats ("inf", "nan" strings, 1e400) are refused with `finite_number` (pydantic
 *   accepts them, then cannot answer them as JSON);
 * - the JSON literals NaN and Infinity are refused as invalid JSON (python-json-error.ts).
 */

export type LoadAverage = { '1m': number; '5m': number; '15m': number };
export type MonitoringCpu = { percent: number; loadavg: LoadAverage };
export type MonitoringMemory = { total_gb: number; used_gb: number; percent: number };
export type MonitoringDisk = { mountpoint: string; fstype: string; free_gb: number; total_gb: number; percent: number };
export type MonitoringUser = { name: string; tty: string; host: string; started: string };
export type MonitoringGpuProcess = { pid: number; username: string; cmd: string; used_memory_mb: number };
export type MonitoringGpu = {
  index: number;
  name: string;
  utilization_pct: number;
  memory_used_mb: number;
  memory_total_mb: number;
  processes: MonitoringGpuProcess[];
};
export type MonitoringContainer = {
  id: string;
  name: string;
  image: string;
  state: string;
  created: string;
  ports: string | null;
  cpu_pct: number;
  mem_mb: number;
};

/** A valid report, normalized: aliases as keys, defaults filled in, only the model's fields. */
export type MonitoringReport = {
  server_alias: string;
  hostname: string;
  ip: string;
  uptime_seconds: number;
  cpu: MonitoringCpu;
  memory: MonitoringMemory;
  disks: MonitoringDisk[];
  users: MonitoringUser[];
  gpus: MonitoringGpu[];
  containers: MonitoringContainer[];
  timestamp: string;
  machine_type: string;
  group: string;
  os: string;
  labels: string[];
};

/** One entry of FastAPI's 422 `detail` list. */
export type ValidationIssue = { type: string; loc: (string | number)[]; msg: string; input: unknown; ctx?: Record<string, unknown> };

type Fields = Record<string, unknown>;

/** One validation's state: the issues so far and the location being checked. */
type Context = { issues: ValidationIssue[]; path: (string | number)[] };

const MESSAGES = {
  missing: 'Field required',
  string_type: 'Input should be a valid string',
  int_type: 'Input should be a valid integer',
  int_from_float: 'Input should be a valid integer, got a number with a fractional part',
  int_parsing: 'Input should be a valid integer, unable to parse string as an integer',
  int_parsing_size: 'Unable to parse input string as an integer, exceeded maximum size',
  float_type: 'Input should be a valid number',
  float_parsing: 'Input should be a valid number, unable to parse string as a number',
  finite_number: 'Input should be a finite number',
  list_type: 'Input should be a valid list',
  model_attributes_type: 'Input should be a valid dictionary or object to extract fields from',
} as const;

type IssueType = keyof typeof MESSAGES;

function fail(context: Context, type: IssueType, input: unknown): void {
  context.issues.push({ type, loc: context.path.slice(), msg: MESSAGES[type], input });
}

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

// Each check reports at context.path and returns a placeholder after an issue: a result with
// issues is never returned, so placeholders never leak.

function checkString(context: Context, value: unknown): string {
  if (typeof value === 'string') return value;
  fail(context, 'string_type', value);
  return '';
}

function checkInt(context: Context, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value + 0; // + 0 turns -0 into 0, as Python's int(-0.0)
    fail(context, Number.isInteger(value) ? 'int_parsing_size' : Number.isFinite(value) ? 'int_from_float' : 'finite_number', value);
  } else if (typeof value === 'boolean') {
    return value ? 1 : 0;
  } else if (typeof value === 'string') {
    const parsed = parseIntString(value);
    if (Number.isSafeInteger(parsed)) return parsed;
    fail(context, Number.isNaN(parsed) ? 'int_parsing' : 'int_parsing_size', value);
  } else {
    fail(context, 'int_type', value);
  }
  return 0;
}

function checkFloat(context: Context, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    fail(context, 'finite_number', value);
  } else if (typeof value === 'boolean') {
    return value ? 1 : 0;
  } else if (typeof value === 'string') {
    const parsed = parseFloatString(value);
    if (parsed === undefined) fail(context, 'float_parsing', value);
    else if (Number.isFinite(parsed)) return parsed;
    else fail(context, 'finite_number', value);
  } else {
    fail(context, 'float_type', value);
  }
  return 0;
}

function checkOptionalString(context: Context, value: unknown): string | null {
  return value === null ? null : checkString(context, value);
}

type Check<T> = (context: Context, value: unknown) => T;

/** A field's value, or `fallback` when absent (a missing issue when `fallback` is undefined). */
function field<T>(context: Context, fields: Fields, key: string, check: Check<T>, fallback?: () => T): T {
  const value = fields[key];
  if (value === undefined && fallback !== undefined) return fallback();
  context.path.push(key);
  let result: T;
  if (value === undefined) {
    fail(context, 'missing', fields);
    result = undefined as T;
  } else {
    result = check(context, value);
  }
  context.path.pop();
  return result;
}

function checkList<T>(context: Context, value: unknown, check: Check<T>): T[] {
  if (!Array.isArray(value)) {
    fail(context, 'list_type', value);
    return [];
  }
  const items: T[] = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) {
    context.path.push(i);
    items[i] = check(context, value[i]);
    context.path.pop();
  }
  return items;
}

/** A nested model: with from_attributes, pydantic names every non-dict the same way. */
function checkModel<T>(context: Context, value: unknown, build: (context: Context, fields: Fields) => T): T {
  if (isFields(value)) return build(context, value);
  fail(context, 'model_attributes_type', value);
  return undefined as T;
}

const emptyList = (): never[] => [];
const emptyString = (): string => '';
const zero = (): number => 0;
const host = (): string => 'host';
const defaultGroup = (): string => 'default';
const unknownOs = (): string => 'Unknown';

/** "1m" or, since populate_by_name, "one_min"; the alias wins when both are sent. */
function aliasedFloat(context: Context, fields: Fields, alias: string, name: string): number {
  return field(context, fields, fields[alias] === undefined && fields[name] !== undefined ? name : alias, checkFloat);
}

const loadAverage = (context: Context, fields: Fields): LoadAverage => ({
  '1m': aliasedFloat(context, fields, '1m', 'one_min'),
  '5m': aliasedFloat(context, fields, '5m', 'five_min'),
  '15m': aliasedFloat(context, fields, '15m', 'fifteen_min'),
});

const checkLoadAverage: Check<LoadAverage> = (c, v) => checkModel(c, v, loadAverage);

const cpu = (context: Context, fields: Fields): MonitoringCpu => ({
  percent: field(context, fields, 'percent', checkFloat),
  loadavg: field(context, fields, 'loadavg', checkLoadAverage),
});

const checkCpu: Check<MonitoringCpu> = (c, v) => checkModel(c, v, cpu);

const memory = (context: Context, fields: Fields): MonitoringMemory => ({
  total_gb: field(context, fields, 'total_gb', checkFloat),
  used_gb: field(context, fields, 'used_gb', checkFloat),
  percent: field(context, fields, 'percent', checkFloat),
});

const checkMemory: Check<MonitoringMemory> = (c, v) => checkModel(c, v, memory);

const disk = (context: Context, fields: Fields): MonitoringDisk => ({
  mountpoint: field(context, fields, 'mountpoint', checkString),
  fstype: field(context, fields, 'fstype', checkString),
  free_gb: field(context, fields, 'free_gb', checkFloat),
  total_gb: field(context, fields, 'total_gb', checkFloat),
  percent: field(context, fields, 'percent', checkFloat),
});

const user = (context: Context, fields: Fields): MonitoringUser => ({
  name: field(context, fields, 'name', checkString),
  tty: field(context, fields, 'tty', checkString),
  host: field(context, fields, 'host', checkString),
  started: field(context, fields, 'started', checkString),
});

const gpuProcess = (context: Context, fields: Fields): MonitoringGpuProcess => ({
  pid: field(context, fields, 'pid', checkInt),
  username: field(context, fields, 'username', checkString),
  cmd: field(context, fields, 'cmd', checkString),
  used_memory_mb: field(context, fields, 'used_memory_mb', checkInt),
});

const checkGpuProcess: Check<MonitoringGpuProcess> = (c, v) => checkModel(c, v, gpuProcess);
const checkGpuProcessList: Check<MonitoringGpuProcess[]> = (c, v) => checkList(c, v, checkGpuProcess);

const gpu = (context: Context, fields: Fields): MonitoringGpu => ({
  index: field(context, fields, 'index', checkInt),
  name: field(context, fields, 'name', checkString),
  utilization_pct: field(context, fields, 'utilization_pct', checkFloat),
  memory_used_mb: field(context, fields, 'memory_used_mb', checkInt),
  memory_total_mb: field(context, fields, 'memory_total_mb', checkInt),
  processes: field(context, fields, 'processes', checkGpuProcessList, emptyList),
});

const container = (context: Context, fields: Fields): MonitoringContainer => ({
  id: field(context, fields, 'id', checkString),
  name: field(context, fields, 'name', checkString),
  image: field(context, fields, 'image', checkString),
  state: field(context, fields, 'state', checkString),
  created: field(context, fields, 'created', checkString),
  ports: field(context, fields, 'ports', checkOptionalString, emptyString),
  cpu_pct: field(context, fields, 'cpu_pct', checkFloat, zero),
  mem_mb: field(context, fields, 'mem_mb', checkInt, zero),
});

const checkDisk: Check<MonitoringDisk> = (c, v) => checkModel(c, v, disk);
const checkUser: Check<MonitoringUser> = (c, v) => checkModel(c, v, user);
const checkGpu: Check<MonitoringGpu> = (c, v) => checkModel(c, v, gpu);
const checkContainer: Check<MonitoringContainer> = (c, v) => checkModel(c, v, container);
const checkDiskList: Check<MonitoringDisk[]> = (c, v) => checkList(c, v, checkDisk);
const checkUserList: Check<MonitoringUser[]> = (c, v) => checkList(c, v, checkUser);
const checkGpuList: Check<MonitoringGpu[]> = (c, v) => checkList(c, v, checkGpu);
const checkContainerList: Check<MonitoringContainer[]> = (c, v) => checkList(c, v, checkContainer);
const checkStringList: Check<string[]> = (c, v) => checkList(c, v, checkString);

const report = (context: Context, fields: Fields): MonitoringReport => ({
  server_alias: field(context, fields, 'server_alias', checkString),
  hostname: field(context, fields, 'hostname', checkString),
  ip: field(context, fields, 'ip', checkString),
  uptime_seconds: field(context, fields, 'uptime_seconds', checkInt),
  cpu: field(context, fields, 'cpu', checkCpu),
  memory: field(context, fields, 'memory', checkMemory),
  disks: field(context, fields, 'disks', checkDiskList),
  users: field(context, fields, 'users', checkUserList),
  gpus: field(context, fields, 'gpus', checkGpuList, emptyList),
  containers: field(context, fields, 'containers', checkContainerList, emptyList),
  timestamp: field(context, fields, 'timestamp', checkString),
  machine_type: field(context, fields, 'machine_type', checkString, host),
  group: field(context, fields, 'group', checkString, defaultGroup),
  os: field(context, fields, 'os', checkString, unknownOs),
  labels: field(context, fields, 'labels', checkStringList, emptyList),
});

/** Validates a decoded body (parseReportText's value). */
export function validateReport(body: unknown): { report: MonitoringReport } | { issues: ValidationIssue[] } {
  const context: Context = { issues: [], path: ['body'] };
  const result = checkModel(context, body, report);
  return context.issues.length === 0 ? { report: result } : { issues: context.issues };
}

/**
 * Decodes the raw body text as FastAPI does before validating: an empty body is a missing body,
 * a text Python's json module refuses is `json_invalid` at its position. `json` is the text decoded.
 */
export function parseReportText(text: string): { value: unknown; json: string } | { issues: ValidationIssue[] } {
  if (text.length === 0) return { issues: [{ type: 'missing', loc: ['body'], msg: MESSAGES.missing, input: null }] };
  // Starlette decodes the bytes as utf-8-sig: a byte order mark is dropped, not refused.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { value: JSON.parse(json), json };
  } catch {
    const error = pythonJsonError(json);
    return { issues: [{ type: 'json_invalid', loc: ['body', error.pos], msg: 'JSON decode error', input: {}, ctx: { error: error.msg } }] };
  }
}
