// PLACEHOLDER while the panel is being built (replaced before commit).
export function AgentsPanel(_props: { rest: string[] }) {
  return <section className="panel"><h1>AgentsPanel</h1></section>;
}
