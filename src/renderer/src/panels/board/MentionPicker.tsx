// The @mention completion list above a composer: keyboard-driven from the box (it keeps the focus), clickable too.
import { Avatar } from './Avatar';

interface MentionPickerProps {
  id: string;
  options: string[];
  active: number;
  onPick(handle: string): void;
  onHover(index: number): void;
}

export function MentionPicker({ id, options, active, onPick, onHover }: MentionPickerProps) {
  return (
    <ul
      className="board-mentions popover"
      id={id}
      role="listbox"
      aria-label="Mention an agent"
      data-testid="mention-list"
    >
      {options.map((handle, i) => (
        <li
          key={handle}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === active}
          className={i === active ? 'active' : undefined}
          // Keep the focus in the box: a click must not blur it (which would close this list first).
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onPick(handle)}
          onMouseEnter={() => onHover(i)}
        >
          <Avatar handle={handle} />
          <span className="board-mention-handle">@{handle}</span>
        </li>
      ))}
    </ul>
  );
}
