import { useState } from 'react';
import { rangeBounds, RANGES, type MetricRange } from '../../metric-range.ts';
import { instantToWall, wallToInstant } from '../../time.ts';
import { useTimeFormat } from '../../time-zone.ts';

/** The presets as a segmented control, and a custom from/to applied with a button. */
export function RangePicker({ range, onChange }: { range: MetricRange; onChange: (range: MetricRange) => void }) {
  const [customOpen, setCustomOpen] = useState(range.kind === 'custom');
  const time = useTimeFormat();
  const initial = rangeBounds(range);
  // The inputs' wall-clock times are read in the chosen zone, which their labels name.
  const [from, setFrom] = useState(() => instantToWall(initial.from, time.timeZone));
  const [to, setTo] = useState(() => instantToWall(initial.to, time.timeZone));
  const fromAt = from ? wallToInstant(from, time.timeZone) : null;
  const toAt = to ? wallToInstant(to, time.timeZone) : null;
  const invalid = !fromAt || !toAt || toAt <= fromAt;

  return (
    <div className="range-picker">
      <div className="segmented" role="group" aria-label="Time range">
        {RANGES.map(([name, label]) => {
          const selected = !customOpen && range.kind === 'preset' && range.name === name;
          return (
            <button
              key={name}
              type="button"
              className={selected ? 'button small selected' : 'button small'}
              aria-pressed={selected}
              onClick={() => {
                setCustomOpen(false);
                onChange({ kind: 'preset', name });
              }}
            >
              {label}
            </button>
          );
        })}
        <button type="button" className={customOpen ? 'button small selected' : 'button small'} aria-pressed={customOpen} onClick={() => setCustomOpen(true)}>
          Custom
        </button>
      </div>
      {customOpen ? (
        <form
          className="filters"
          aria-label="Custom range"
          onSubmit={(event) => {
            event.preventDefault();
            if (!invalid) onChange({ kind: 'custom', from: fromAt.toISOString(), to: toAt.toISOString() });
          }}
        >
          <label>
            From ({time.zone})
            <input type="datetime-local" value={from} onChange={(event) => setFrom(event.target.value)} />
          </label>
          <label>
            To ({time.zone})
            <input type="datetime-local" value={to} onChange={(event) => setTo(event.target.value)} aria-invalid={invalid} />
          </label>
          <button type="submit" className="button small" disabled={invalid}>
            Apply
          </button>
        </form>
      ) : null}
    </div>
  );
}
