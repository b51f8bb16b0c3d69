// PLACEHOLDER while the panel is being built (replaced before commit).
export function BoardPanel(_props: { rest: string[] }) {
  return <section className="panel"><h1>BoardPanel</h1></section>;
}
