// A local agent's bounded memory: the last few steps word for word, everything older folded into a one-line tally.

/** Small models have small contexts: the prompt must stay the same size on step 5 and on step 5,000. */
export class AgentMemory {
  private readonly recent: string[] = [];
  private readonly tally = new Map<string, number>();
  private older = 0;

  constructor(
    private readonly keep = 8,
    private readonly lineLength = 300,
  ) {}

  /** Remembers one step: which tool it called and what came back, cut to a line. */
  remember(step: number, tool: string, outcome: string): void {
    const line = `step ${step}: ${tool} -> ${outcome.replace(/\s+/g, ' ')}`;
    this.recent.push(line.length > this.lineLength ? `${line.slice(0, this.lineLength - 1)}…` : line);
    while (this.recent.length > this.keep) {
      const dropped = this.recent.shift()!;
      this.older += 1;
      const name = /^step \d+: (\S+)/.exec(dropped)?.[1] ?? 'other';
      this.tally.set(name, (this.tally.get(name) ?? 0) + 1);
    }
  }

  /** A note that stays until it is replaced, e.g. the supervisor's reason for a new direction. */
  note: string | null = null;

  render(): string {
    const lines: string[] = [];
    if (this.note) lines.push(`Note: ${this.note}`);
    if (this.older > 0)
      lines.push(`Earlier: ${this.older} steps (${[...this.tally].map(([k, v]) => `${k} x${v}`).join(', ')}).`);
    lines.push(...this.recent);
    return lines.length ? lines.join('\n') : '(nothing yet: this is your first step)';
  }
}
