// The path of the open folder or file, each step a link back up to it.
import { routeHref } from '../../router';
import { rootLabel, routeParts } from '../../model/workspace-location';

export function Breadcrumbs({ root, path }: { root: string; path: string }) {
  const segments = path ? path.split('/') : [];
  const steps = [
    { label: rootLabel(root), path: '' },
    ...segments.map((name, i) => ({ label: name, path: segments.slice(0, i + 1).join('/') })),
  ];
  return (
    <nav className="ws-breadcrumbs" aria-label="Breadcrumbs">
      <ol>
        {steps.map((step, i) => (
          <li key={step.path}>
            {i === steps.length - 1 ? (
              <span aria-current="location">{step.label}</span>
            ) : (
              <a href={routeHref('workspace', ...routeParts(root, step.path))}>{step.label}</a>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
