// PLACEHOLDER while the panel is being built (replaced before commit).
export function ModelsPanel(_props: { rest: string[] }) {
  return <section className="panel"><h1>ModelsPanel</h1></section>;
}
