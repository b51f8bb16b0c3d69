// A virtualized message list anchored at its newest end: measured row heights, older pages above, new ones followed or counted.
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { RecordItem } from '@shared/api';

/** Room above the first row for "loading older…" or "the beginning of #channel". */
const TOP_AREA = 52;
/** Older pages load while this much is still above the view, so scrolling up rarely meets the edge. */
const LOAD_AHEAD_PX = 3200;
/** Closer to the end than this counts as "reading the newest": new posts scroll into view. */
const AT_END_PX = 48;

export interface MessageListHandle {
  scrollToEnd(): void;
}

interface MessageListProps {
  rows: RecordItem[];
  renderRow(message: RecordItem, index: number): ReactNode;
  /** What the area above the first row says. */
  top: ReactNode;
  /** Called when the person nears the oldest loaded row (and when the rows do not fill the view). */
  onNearTop?(): void;
  /** The rows on screen, after each scroll that changes them (to fetch what only they need). */
  onRowsShown?(rows: RecordItem[]): void;
  /** A row to bring into view (if it is not) once it is loaded. */
  focus?: string | null;
  label: string;
  testId: string;
  estimateRow?: number;
}

export const MessageList = forwardRef<MessageListHandle, MessageListProps>(function MessageList(
  { rows, renderRow, top, onNearTop, onRowsShown, focus, label, testId, estimateRow = 76 },
  ref,
) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const atEndRef = useRef(true);
  const landedRef = useRef(false);
  const [unseen, setUnseen] = useState(0);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const onNearTopRef = useRef(onNearTop);
  onNearTopRef.current = onNearTop;

  // Read from the virtualizer's own state, never from the DOM: a layout read in a scroll handler forces a reflow per event.
  const checkEdges = useCallback(
    (v: { scrollOffset: number | null; scrollRect: { height: number } | null; getTotalSize(): number }) => {
      const offset = v.scrollOffset ?? 0;
      const atEnd = v.getTotalSize() - offset - (v.scrollRect?.height ?? 0) <= AT_END_PX;
      atEndRef.current = atEnd;
      if (atEnd) {
        setUnseen(0);
        landedRef.current = true;
      }
      // Not before the list has reached its newest end once: it opens at offset 0 for a moment, which is not "near the top".
      if (landedRef.current && offset < LOAD_AHEAD_PX) onNearTopRef.current?.();
    },
    [],
  );

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => estimateRow,
    getItemKey: (index) => rowsRef.current[index]?.filename ?? index,
    overscan: 6,
    paddingStart: TOP_AREA,
    paddingEnd: 12,
    // Chat semantics: a page prepended above keeps the reader's row in place; a post appended while at the end is followed.
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: AT_END_PX,
    // Scrolling moves rows by writing their transforms; React renders only when the visible range changes.
    directDomUpdates: true,
    onChange: checkEdges,
  });

  const scrollToEnd = useCallback(() => {
    virtualizer.scrollToEnd();
    setUnseen(0);
  }, [virtualizer]);
  useImperativeHandle(ref, () => ({ scrollToEnd }), [scrollToEnd]);

  // The first rows open at the newest end, as a chat does.
  const opened = useRef(false);
  useLayoutEffect(() => {
    if (opened.current || rows.length === 0) return;
    opened.current = true;
    virtualizer.scrollToEnd();
  }, [rows.length, virtualizer]);

  // New rows at the end while the person reads older ones: counted for the pill, never scrolled to.
  const lastKey = rows.length > 0 ? rows[rows.length - 1]!.filename : null;
  const previousLast = useRef(lastKey);
  useLayoutEffect(() => {
    const before = previousLast.current;
    previousLast.current = lastKey;
    if (before === null || lastKey === null || before === lastKey || atEndRef.current) return;
    let added = 0;
    for (let i = rows.length - 1; i >= 0 && rows[i]!.filename > before; i--) added++;
    if (added > 0) setUnseen((n) => n + added);
  }, [lastKey, rows]);

  // After each change of the rows: still near the top (or the rows do not fill the view) reads further back.
  useEffect(() => {
    checkEdges(virtualizer);
  }, [rows.length, checkEdges, virtualizer]);

  const focused = useRef<string | null>(null);
  useEffect(() => {
    if (!focus || focused.current === focus) return;
    const index = rows.findIndex((r) => r.filename === focus);
    if (index < 0) return;
    focused.current = focus;
    virtualizer.scrollToIndex(index, { align: 'auto' });
  }, [focus, rows, virtualizer]);

  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? -1;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (onRowsShown && first >= 0) onRowsShown(rows.slice(first, last + 1));
  }, [first, last, rows, onRowsShown]);

  return (
    <div className="board-list-frame">
      <div
        ref={scrollRef}
        className="board-list"
        role="log"
        aria-label={label}
        aria-live="off"
        data-testid={testId}
        tabIndex={0}
      >
        {/* Few rows sit at the bottom, next to the composer, as in any chat (board.css). */}
        <div className="board-list-bottom">
          <div ref={virtualizer.containerRef} className="board-list-inner" data-rows={rows.length}>
            <div className="board-list-top" style={{ height: TOP_AREA }}>
              {top}
            </div>
            {items.map((item) => (
              <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="board-row">
                {renderRow(rows[item.index]!, item.index)}
              </div>
            ))}
          </div>
        </div>
      </div>
      {unseen > 0 && (
        <button type="button" className="board-new-pill" onClick={scrollToEnd} data-testid="new-messages">
          {unseen === 1 ? '1 new message' : `${unseen.toLocaleString('en-US')} new messages`} ↓
        </button>
      )}
    </div>
  );
});
