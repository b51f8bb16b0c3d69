// PLACEHOLDER while the panel is being built (replaced before commit).
export function WorkspacePanel(_props: { rest: string[] }) {
  return <section className="panel"><h1>WorkspacePanel</h1></section>;
}
