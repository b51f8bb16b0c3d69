// JSON in the preview: pretty-printed, each object and array folding open or shut.
import { useState } from 'react';

/** Past this many children a node shows the first ones and says how many more the source view has. */
const MAX_CHILDREN = 500;

function Scalar({ value }: { value: unknown }) {
  const kind = value === null ? 'null' : typeof value;
  return <span className={`json-${kind}`}>{JSON.stringify(value)}</span>;
}

function JsonNode({ name, value, depth, last }: { name: string | null; value: unknown; depth: number; last: boolean }) {
  const [open, setOpen] = useState(depth < 3);
  const comma = last ? '' : ',';
  const key = name !== null && (
    <>
      <span className="json-key">{JSON.stringify(name)}</span>:{' '}
    </>
  );
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-line">
        {key}
        <Scalar value={value} />
        {comma}
      </div>
    );
  }
  const isArray = Array.isArray(value);
  const children: Array<[string | null, unknown]> = isArray
    ? (value as unknown[]).map((v) => [null, v])
    : Object.entries(value as Record<string, unknown>);
  const [start, end] = isArray ? ['[', ']'] : ['{', '}'];
  if (children.length === 0)
    return (
      <div className="json-line">
        {key}
        {start}
        {end}
        {comma}
      </div>
    );
  const shown = children.slice(0, MAX_CHILDREN);
  const what = isArray
    ? `${children.length} item${children.length === 1 ? '' : 's'}`
    : `${children.length} key${children.length === 1 ? '' : 's'}`;
  return (
    <div className="json-node">
      <div className="json-line">
        <button
          className="json-toggle"
          aria-expanded={open}
          aria-label={`${open ? 'Fold' : 'Unfold'} ${name ?? 'value'}`}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? '▾' : '▸'}
        </button>
        {key}
        {start}
        {!open && (
          <>
            <span className="json-summary"> {what} </span>
            {end}
            {comma}
          </>
        )}
      </div>
      {open && (
        <div className="json-children">
          {shown.map(([childName, child], i) => (
            <JsonNode key={i} name={childName} value={child} depth={depth + 1} last={i === children.length - 1} />
          ))}
          {children.length > shown.length && (
            <div className="json-line json-summary">… {children.length - shown.length} more (see the source)</div>
          )}
        </div>
      )}
      {open && (
        <div className="json-line">
          {end}
          {comma}
        </div>
      )}
    </div>
  );
}

export function JsonView({ value }: { value: unknown }) {
  return (
    <div className="ws-json" data-testid="json-view">
      <JsonNode name={null} value={value} depth={0} last />
    </div>
  );
}
