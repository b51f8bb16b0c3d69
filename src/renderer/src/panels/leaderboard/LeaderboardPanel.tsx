// PLACEHOLDER while the panel is being built (replaced before commit).
export function LeaderboardPanel(_props: { rest: string[] }) {
  return <section className="panel"><h1>LeaderboardPanel</h1></section>;
}
