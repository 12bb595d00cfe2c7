import { useState } from 'react';
import { fromLocalInput, rangeBounds, RANGES, toLocalInput, type MetricRange } from '../../metric-range.ts';

/** The presets as a segmented control, and a custom from/to applied with a button. */
export function RangePicker({ range, onChange }: { range: MetricRange; onChange: (range: MetricRange) => void }) {
  const [customOpen, setCustomOpen] = useState(range.kind === 'custom');
  const initial = rangeBounds(range);
  const [from, setFrom] = useState(() => toLocalInput(initial.from));
  const [to, setTo] = useState(() => toLocalInput(initial.to));
  const fromAt = fromLocalInput(from);
  const toAt = fromLocalInput(to);
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
            From
            <input type="datetime-local" value={from} onChange={(event) => setFrom(event.target.value)} />
          </label>
          <label>
            To
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
