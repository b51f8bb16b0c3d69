// PLACEHOLDER while the panel is being built (replaced before commit).
export function SettingsPanel(_props: { rest: string[] }) {
  return <section className="panel"><h1>SettingsPanel</h1></section>;
}
