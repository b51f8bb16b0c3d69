// A sync refusal as a person reads it: the hub's message, then its hint with any link in it (an invite) clickable.
import type { SyncProblem } from '../../stores/sync-problem';

const URL_PATTERN = /(https?:\/\/[^\s<>"')]+[^\s<>"').,;:!?])/g;

/** Text with its http(s) links as anchors that open outside the dashboard. */
export function LinkedText({ text }: { text: string }) {
  const parts = text.split(URL_PATTERN);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} target="_blank" rel="noreferrer noopener">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}

export function ProblemText({ problem }: { problem: SyncProblem }) {
  return (
    <div className="notice notice-error sync-problem" role="alert" data-code={problem.code}>
      <span>
        {problem.message}
        {problem.hint && (
          <>
            {' — '}
            <LinkedText text={problem.hint} />
          </>
        )}
      </span>
    </div>
  );
}

/** Whether a link a remote collab sent may be followed: http(s) only, never javascript: or a local file. */
export function isWebUrl(href: string | null): href is string {
  return href !== null && /^https?:\/\//i.test(href);
}

/** An outside link, or nothing when the collab did not give one (or gave something that is not a web address). */
export function OutLink({ href, children }: { href: string | null; children: React.ReactNode }) {
  if (!isWebUrl(href)) return null;
  return (
    <a href={href} target="_blank" rel="noreferrer noopener">
      {children}
    </a>
  );
}
