// Finds tokens in bytes about to be published (this hub's organizer and agent tokens, Hugging Face tokens), chunk by chunk, so a refusal comes before anything is copied.
import { HubError } from './hub-error';

/**
 * This hub's tokens (`cdo_`/`cda_` + 43 base64url characters, see tokens.ts), live or not: refusing every one, not
 * only live ones, keeps the route from telling a caller whether a token it holds still works. Hugging Face tokens are
 * `hf_` + 34 letters and digits; 30 or more keeps ordinary identifiers like `hf_hub_download` out.
 */
const PATTERNS: ReadonlyArray<{ re: RegExp; what: string }> = [
  { re: /cd[ao]_[A-Za-z0-9_-]{43}/, what: 'a Collab Desk token' },
  { re: /hf_(?:oauth_)?[A-Za-z0-9]{30,}/, what: 'a Hugging Face token' },
];

/** Long enough to hold any token that a chunk boundary cuts in two. */
const OVERLAP = 128;

/**
 * Scans a file as its chunks pass. Bytes are read as latin1 (one character per byte): tokens are ASCII, and no
 * multi-byte character can be split at a chunk boundary into something that hides one.
 */
export class SecretScanner {
  private tail = '';

  constructor(
    private readonly label: string,
    /** What to do about it, where sharing a trace's advice (the default) does not fit. */
    private readonly hint = 'remove or redact it (share_trace.py redacts client-side unless --raw; replace it with <REDACTED>), then share again',
  ) {}

  /** Throws SECRET_IN_FILE naming the file and the kind of token, never the token itself. */
  push(chunk: Buffer | string): void {
    const text = this.tail + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    for (const { re, what } of PATTERNS) {
      if (re.test(text)) {
        throw new HubError(
          'SECRET_IN_FILE',
          `${this.label} contains ${what}; the hub never publishes one, so nothing was shared`,
          this.hint,
        );
      }
    }
    this.tail = text.slice(-OVERLAP);
  }
}

/** Scans one whole text (a manifest) at once. */
export function refuseSecrets(text: string, label: string, hint?: string): void {
  new SecretScanner(label, hint).push(text);
}
