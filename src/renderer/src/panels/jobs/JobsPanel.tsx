// PLACEHOLDER while the panel is being built (replaced before commit).
export function JobsPanel(_props: { rest: string[] }) {
  return <section className="panel"><h1>JobsPanel</h1></section>;
}
