// Writing to the board as the organizer: Enter sends, @ completes agent handles, a quote lands here, a refusal keeps the text,
// and the text typed stays in the store's drafts (per channel, per thread) until it is sent.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { errorText } from '../../connection/hub-api';
import { useBoardChannels } from '../../stores/board-channels-store';
import { useBoardComposer } from '../../stores/board-composer-store';
import { postToBoard as post } from '../../stores/board-post';
import { useIsOrganizer } from '../../stores/session-store';
import { mentionAtCaret, mentionCandidates } from '../../model/board-view';
import { MentionPicker } from './MentionPicker';

interface ComposerProps {
  target: 'main' | 'thread';
  /** Where the unsent text is kept (mainDraftKey, threadDraftKey); give the element the same key so a new place starts clean. */
  draftKey: string;
  /** Where the post goes, said under the box ("#draft-depth", "the thread"). */
  destination: string;
  channel?: string;
  replyTo?: string;
  /** The organizer may send a post to every inbox (main composer only). */
  allowBroadcast?: boolean;
  placeholder: string;
  onSent?(): void;
}

interface Picker {
  start: number;
  prefix: string;
  options: string[];
  active: number;
}

export function Composer({
  target,
  draftKey,
  destination,
  channel,
  replyTo,
  allowBroadcast = false,
  placeholder,
  onSent,
}: ComposerProps) {
  const canWrite = useIsOrganizer();
  const agents = useBoardChannels((s) => s.agents);
  const pendingQuote = useBoardComposer((s) => s.pendingQuote);
  const text = useBoardComposer((s) => s.drafts[draftKey] ?? '');
  const setDraft = useBoardComposer((s) => s.setDraft);
  const setText = (next: string) => setDraft(draftKey, next);
  const [broadcast, setBroadcast] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [picker, setPicker] = useState<Picker | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const caretAfter = useRef<number | null>(null);
  const listId = `mention-options-${target}`;

  // The caret goes where a completion or a quote put it, once React has written the new text.
  useLayoutEffect(() => {
    if (caretAfter.current === null || !box.current) return;
    box.current.setSelectionRange(caretAfter.current, caretAfter.current);
    caretAfter.current = null;
  }, [text]);

  const seenQuote = useRef(pendingQuote?.seq ?? 0);
  useEffect(() => {
    if (!pendingQuote || pendingQuote.target !== target || pendingQuote.seq === seenQuote.current) return;
    seenQuote.current = pendingQuote.seq;
    const current = useBoardComposer.getState().drafts[draftKey] ?? '';
    const next = (current.trim() === '' ? '' : current.replace(/\s*$/, '\n\n')) + pendingQuote.text;
    caretAfter.current = next.length;
    useBoardComposer.getState().setDraft(draftKey, next);
    box.current?.focus();
  }, [pendingQuote, target, draftKey]);

  const updatePicker = (value: string, caret: number) => {
    const at = mentionAtCaret(value, caret);
    const options = at ? mentionCandidates(agents, at.prefix) : [];
    setPicker(at && options.length > 0 ? { start: at.start, prefix: at.prefix, options, active: 0 } : null);
  };

  const pick = (handle: string) => {
    if (!picker || !box.current) return;
    const caret = box.current.selectionStart;
    const next = `${text.slice(0, picker.start)}@${handle} ${text.slice(caret)}`;
    caretAfter.current = picker.start + handle.length + 2;
    setText(next);
    setPicker(null);
    box.current.focus();
  };

  const send = async () => {
    if (busy || !canWrite || text.trim() === '') return;
    setBusy(true);
    setError(null);
    const sent = text;
    try {
      await post({ body: sent, channel, reply_to: replyTo, broadcast: broadcast || undefined });
      // Whatever was typed while it went out stays; the sent part goes.
      const now = useBoardComposer.getState().drafts[draftKey] ?? '';
      setDraft(draftKey, now === sent ? '' : now.startsWith(sent) ? now.slice(sent.length).trimStart() : now);
      if (!mounted.current) return;
      setBroadcast(false);
      onSent?.();
    } catch (err) {
      // The text stays: the person fixes what the hub refused and sends again.
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (picker) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setPicker({ ...picker, active: (picker.active + step + picker.options.length) % picker.options.length });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(picker.options[picker.active]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setPicker(null);
        return;
      }
    }
    if (e.key === 'Escape' && text !== '') {
      // Escape would close the thread: with words in the box it only leaves the box (a second Escape closes).
      e.preventDefault();
      e.stopPropagation();
      form.current?.focus();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const reason = canWrite ? null : 'Sign in as organizer to post (top right).';
  return (
    <form
      ref={form}
      tabIndex={-1}
      className="board-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      aria-label={target === 'main' ? 'New message' : 'Reply'}
    >
      <div className="board-composer-box">
        {picker && (
          <MentionPicker
            id={listId}
            options={picker.options}
            active={picker.active}
            onPick={pick}
            onHover={(active) => setPicker({ ...picker, active })}
          />
        )}
        <textarea
          ref={box}
          value={text}
          rows={2}
          placeholder={canWrite ? placeholder : 'Read-only: sign in as organizer to post'}
          disabled={!canWrite}
          title={reason ?? undefined}
          aria-label={target === 'main' ? 'Message' : 'Reply'}
          data-testid={`composer-${target}`}
          role="combobox"
          aria-expanded={picker !== null}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={picker ? `${listId}-${picker.active}` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            updatePicker(e.target.value, e.target.selectionStart);
          }}
          onKeyDown={onKeyDown}
          onClick={(e) => updatePicker(text, e.currentTarget.selectionStart)}
          onBlur={() => setPicker(null)}
        />
      </div>
      <div className="board-composer-foot">
        <span className="muted board-composer-hint">
          {reason ?? (
            <>
              To {destination} · <kbd>Enter</kbd> sends · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line
            </>
          )}
        </span>
        {allowBroadcast && (
          <label
            className="board-broadcast-toggle"
            title={canWrite ? 'Copies the post into every inbox' : 'sign in as organizer to broadcast'}
          >
            <input
              type="checkbox"
              checked={broadcast}
              disabled={!canWrite}
              onChange={(e) => setBroadcast(e.target.checked)}
              data-testid="broadcast"
            />
            Broadcast to every inbox
          </label>
        )}
        <button
          type="submit"
          className="btn btn-primary btn-small"
          disabled={!canWrite || busy || text.trim() === ''}
          title={reason ?? undefined}
        >
          {busy ? 'Sending…' : target === 'main' ? 'Send' : 'Reply'}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert" data-testid="composer-error">
          {error}
        </p>
      )}
    </form>
  );
}
