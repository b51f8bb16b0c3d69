// The folders an external agent's sandbox lets it read and write beyond its scratch folder, typed one path a line: the spawn form and the agent defaults.
import type { SpawnAgentsBody } from '@shared/swarm';

export type SandboxGrants = NonNullable<SpawnAgentsBody['sandbox']>;

/** The grants as the two text areas hold them. */
export interface GrantsText {
  read: string;
  write: string;
}

export function grantsText(grants: SandboxGrants | undefined): GrantsText {
  return { read: (grants?.read ?? []).join('\n'), write: (grants?.write ?? []).join('\n') };
}

/** One path a line; blank lines and surrounding spaces are typing, not paths. */
function pathLines(text: string): string[] {
  return [
    ...new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  ];
}

/** The grants to send: an empty list is left out (the hub checks the paths and says which one it cannot honour). */
export function grantsOf(text: GrantsText): SandboxGrants {
  const grants: SandboxGrants = {};
  const read = pathLines(text.read);
  const write = pathLines(text.write);
  if (read.length) grants.read = read;
  if (write.length) grants.write = write;
  return grants;
}

export function hasGrants(grants: SandboxGrants): boolean {
  return grants.read !== undefined || grants.write !== undefined;
}

/** "Can read" and "Can write"; `idPrefix` keeps the ids apart where two forms share a page. */
export function SandboxGrantFields({
  idPrefix,
  value,
  onChange,
}: {
  idPrefix: string;
  value: GrantsText;
  onChange: (patch: Partial<GrantsText>) => void;
}) {
  return (
    <div className="sandbox-grants">
      <div className="field">
        <label htmlFor={`${idPrefix}-read`}>Can read</label>
        <textarea
          id={`${idPrefix}-read`}
          value={value.read}
          onChange={(e) => onChange({ read: e.target.value })}
          rows={2}
          spellCheck={false}
          placeholder={'/usr/local/lib/my-agent\n/home/me/.config/my-agent'}
        />
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-write`}>Can write</label>
        <textarea
          id={`${idPrefix}-write`}
          value={value.write}
          onChange={(e) => onChange({ write: e.target.value })}
          rows={2}
          spellCheck={false}
          placeholder="/home/me/agent-cache"
        />
      </div>
      <span className="muted sandbox-grants-help">
        One absolute path a line, outside the data folder: where its command line and its own settings live. It always
        has its scratch folder; everything else under the home folders, <code>/tmp</code> and the data folder stays
        hidden.
      </span>
    </div>
  );
}
