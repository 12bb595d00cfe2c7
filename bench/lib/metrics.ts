/** Muster's Prometheus text format: parsing, scraping, and sampling its RSS. */
export type Samples = Map<string, number>;

/** `name{labels} value` lines into a map keyed by `name{labels}` exactly as written (and `name` alone). */
export function parsePrometheus(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

export async function scrapeMetrics(url: string): Promise<{ samples: Samples; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const samples = parsePrometheus(await response.text());
  return { samples, ms: performance.now() - started };
}

/** Samples process_resident_memory_bytes every `intervalMs`; stop() returns the peak seen. */
export function sampleRss(url: string, intervalMs = 500) {
  let peak = 0;
  let samples = 0;
  let failures = 0;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = () => {
    inFlight = scrapeMetrics(url).then(
      ({ samples: metrics }) => {
        samples++;
        peak = Math.max(peak, metrics.get('process_resident_memory_bytes') ?? 0);
      },
      () => {
        failures++;
      },
    );
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, intervalMs);
  return {
    async stop(): Promise<{ peak: number; samples: number; failures: number }> {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      return { peak, samples, failures };
    },
  };
}
