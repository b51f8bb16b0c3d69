// A view that fails to render shows its own error in place, with Retry, while the sidebar and the other panels work on.
import { Component, Fragment, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** What the view is ("the Jobs panel", "this result"): said in the message. */
  what?: string;
  /**
   * Reads the view's data again before it mounts afresh (a store that holds what broke it would break it again);
   * without it, Retry only remounts, and the view's own effects read the hub.
   */
  onRetry?: () => unknown;
}

interface State {
  error: Error | null;
  retrying: boolean;
  /** Bumped by Retry: the children mount afresh. */
  attempt: number;
}

/** One failed view must never unmount the whole app to a blank page. Give it a `key` to start afresh elsewhere. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, retrying: false, attempt: 0 };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)), retrying: false };
  }

  private retry = async () => {
    this.setState({ retrying: true });
    try {
      await this.props.onRetry?.();
    } catch {
      // The read failed too: the view mounts and says so in its own words.
    }
    this.setState((s) => ({ error: null, retrying: false, attempt: s.attempt + 1 }));
  };

  override render(): ReactNode {
    const { error, retrying, attempt } = this.state;
    if (error) {
      return (
        <section className="panel view-failed" data-testid="view-failed">
          <div className="notice notice-error" role="alert">
            <span>
              <strong>This view failed:</strong>{' '}
              <span data-testid="view-failed-message">{error.message || error.name}</span>
              {this.props.what && <span className="view-failed-what"> — {this.props.what}</span>}
            </span>
            <button className="btn btn-small" disabled={retrying} onClick={() => void this.retry()}>
              {retrying ? 'Retrying…' : 'Retry'}
            </button>
          </div>
          <p className="muted">
            The rest of the app still works: pick another panel in the sidebar, or Retry to read the hub again.
          </p>
        </section>
      );
    }
    return <Fragment key={attempt}>{this.props.children}</Fragment>;
  }
}
