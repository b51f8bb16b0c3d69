// The theme: follow the system, or always dark, or always light (kept in this browser).
import { useSession, type Theme } from '../../stores/session-store';

const THEMES: Array<{ value: Theme; label: string; help: string }> = [
  { value: 'system', label: 'System', help: "follows this computer's setting" },
  { value: 'dark', label: 'Dark', help: 'always dark' },
  { value: 'light', label: 'Light', help: 'always light' },
];

export function AppearanceSection() {
  const theme = useSession((s) => s.theme);
  const setTheme = useSession((s) => s.setTheme);
  return (
    <section className="card stack" aria-labelledby="appearance-title">
      <h2 id="appearance-title">Appearance</h2>
      <div className="settings-themes" role="radiogroup" aria-labelledby="appearance-title">
        {THEMES.map((t) => (
          <label key={t.value} className={`settings-theme${theme === t.value ? ' active' : ''}`}>
            <input
              type="radio"
              name="theme"
              value={t.value}
              checked={theme === t.value}
              onChange={() => setTheme(t.value)}
            />
            <span>
              <strong>{t.label}</strong> <span className="muted">{t.help}</span>
            </span>
          </label>
        ))}
      </div>
    </section>
  );
}
