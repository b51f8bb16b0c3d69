// Text that wraps only after chosen characters: a path between its folders, compact JSON after its commas, never inside a name.
import { Fragment } from 'react';

/** `text` with a line-break opportunity after each character of `after` (default: a path's slashes). */
export function BreakableText({ text, after = '/' }: { text: string; after?: string }) {
  const pieces: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (after.includes(text[i]!)) {
      pieces.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  pieces.push(text.slice(start));
  return (
    <>
      {pieces.map((piece, i) => (
        // The pieces of one text never reorder: the index is their identity.
        <Fragment key={i}>
          {piece}
          {i < pieces.length - 1 && <wbr />}
        </Fragment>
      ))}
    </>
  );
}
