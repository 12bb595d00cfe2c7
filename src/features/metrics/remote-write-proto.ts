import protobuf from 'protobufjs';

/**
 * Prometheus remote-write 1.0 on the wire: Muster's samples grouped into series under
 * Prometheus-legal names, and the protobuf `WriteRequest` (prometheus/prompb `remote.proto`,
 * `types.proto`) built with protobufjs's reflection API, so no .proto file is read at run time.
 * Only the fields a sender of float samples needs: exemplars, histograms and metadata are left
 * out, which a receiver reads as empty.
 */
export interface ProtoLabel {
  name: string;
  value: string;
}

export interface ProtoSample {
  value: number;
  /** Milliseconds since the epoch (int64 on the wire). */
  timestamp: number;
}

export interface ProtoTimeSeries {
  /** Sorted by name (byte order), `__name__` among them. */
  labels: ProtoLabel[];
  /** In timestamp order. */
  samples: ProtoSample[];
}

export interface ProtoWriteRequest {
  timeseries: ProtoTimeSeries[];
}

/** A Muster metric sample, as the metrics store hands it to the remote writer. */
export interface RemoteSample {
  name: string;
  labels: Record<string, string>;
  timestampMs: number;
  value: number;
}

const Label = new protobuf.Type('Label').add(new protobuf.Field('name', 1, 'string')).add(new protobuf.Field('value', 2, 'string'));
const Sample = new protobuf.Type('Sample').add(new protobuf.Field('value', 1, 'double')).add(new protobuf.Field('timestamp', 2, 'int64'));
const TimeSeries = new protobuf.Type('TimeSeries')
  .add(new protobuf.Field('labels', 1, 'Label', 'repeated'))
  .add(new protobuf.Field('samples', 2, 'Sample', 'repeated'));
const WriteRequest = new protobuf.Type('WriteRequest').add(new protobuf.Field('timeseries', 1, 'TimeSeries', 'repeated'));
new protobuf.Root().define('prometheus').add(Label).add(Sample).add(TimeSeries).add(WriteRequest);

/** The protobuf bytes of a `WriteRequest` (not yet snappy-compressed). */
export function encodeWriteRequest(request: ProtoWriteRequest): Uint8Array {
  return WriteRequest.encode(request).finish();
}

/** The inverse of {@link encodeWriteRequest}, for tests; int64 timestamps come back as numbers. */
export function decodeWriteRequest(bytes: Uint8Array): ProtoWriteRequest {
  return WriteRequest.toObject(WriteRequest.decode(bytes), { longs: Number, defaults: true, arrays: true }) as ProtoWriteRequest;
}

/**
 * A Prometheus metric name for a Muster one: every character outside `[a-zA-Z0-9_:]` becomes
 * `_`, and a leading digit gets a `_` in front (`cpu.percent` → `cpu_percent`, `5m.load` →
 * `_5m_load`).
 */
export function prometheusMetricName(name: string): string {
  const legal = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return legal === '' || /^[0-9]/.test(legal) ? `_${legal}` : legal;
}

/**
 * A Prometheus label name: as {@link prometheusMetricName}, but `:` becomes `_` too, because
 * label names may not hold one (`[a-zA-Z_][a-zA-Z0-9_]*`).
 */
export function prometheusLabelName(name: string): string {
  return prometheusMetricName(name).replace(/:/g, '_');
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Groups samples into series: one per metric name and label set, labels mapped to legal names
 * and sorted by name (byte order, as the protocol requires: `__name__` comes first unless a label
 * starts with a capital letter), samples in timestamp order (Prometheus refuses a series whose
 * samples go back in time). Labels with an empty value are left out (Prometheus reads them as
 * absent); two Muster labels that map to one name keep the value of the later one, as would a
 * `__name__` label, which the sample's name overrides.
 */
export function toWriteRequest(samples: readonly RemoteSample[]): ProtoWriteRequest {
  const series = new Map<string, ProtoTimeSeries>();
  for (const sample of samples) {
    const labels = new Map<string, string>();
    for (const [name, value] of Object.entries(sample.labels)) {
      if (value !== '') labels.set(prometheusLabelName(name), value);
    }
    labels.set('__name__', prometheusMetricName(sample.name));
    const sorted = [...labels].sort(([a], [b]) => byteOrder(a, b)).map(([name, value]) => ({ name, value }));
    // A label value may hold any character, so the key separates with JSON rather than a delimiter.
    const key = JSON.stringify(sorted.map((label) => [label.name, label.value]));
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { labels: sorted, samples: [] }));
    entry.samples.push({ value: sample.value, timestamp: Math.trunc(sample.timestampMs) });
  }
  for (const entry of series.values()) entry.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { timeseries: [...series.values()] };
}
