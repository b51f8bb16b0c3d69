// Renders /docs: the OpenAPI document as one self-contained HTML page (no script, no CDN), with the CSP that lets only its own inline style run.
import { createHash } from 'node:crypto';
import { authWords, type OpenApiDocument, type OpenApiOperation } from './openapi';

type JsonSchema = Record<string, unknown>;

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2.5rem;border-bottom:1px solid #d0d7de}
section{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
h3{font-size:1rem;margin:.2rem 0;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.2rem;font-weight:700}
.auth{font-size:.85rem;color:#57606a}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
td,th{border-top:1px solid #eaeef2;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{font-weight:600}code{font-family:ui-monospace,monospace}
nav a{margin-right:.8rem}
`;

/** Only this page's own style may apply: no script, no remote anything, not framed, nothing submitted. */
export const DOCS_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A schema in a few words: `string`, `integer | null`, `"a" | "b"`, `array of object`. */
export function typeWords(schema: JsonSchema | undefined): string {
  if (!schema) return 'any';
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(typeWords).join(' | ');
  if (Array.isArray(schema.prefixItems)) return `[${(schema.prefixItems as JsonSchema[]).map(typeWords).join(', ')}]`;
  if (schema.type === 'array') return `array of ${typeWords(schema.items as JsonSchema | undefined)}`;
  if (schema.type === 'object' && schema.patternProperties && !schema.properties) {
    const values = Object.values(schema.patternProperties as Record<string, JsonSchema>)[0];
    return values && Object.keys(values).length > 0 ? `map of ${typeWords(values)}` : 'object (any keys)';
  }
  if (typeof schema.contentMediaType === 'string') return schema.contentMediaType;
  if (typeof schema.type === 'string') return schema.type;
  return 'any';
}

/** The object a schema describes, if any: itself, the object inside `X | null`, or the items of an array of objects. */
function objectOf(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  if (schema.properties) return schema;
  if (Array.isArray(schema.anyOf)) {
    const objects = (schema.anyOf as JsonSchema[]).map(objectOf).filter((s) => s !== undefined);
    return objects.length === 1 ? objects[0] : undefined;
  }
  if (schema.type === 'array') return objectOf(schema.items as JsonSchema | undefined);
  return undefined;
}

/** Every field of a body, nested fields as `a.b` (arrays as `a[].b`), three levels deep. */
function fieldRows(schema: JsonSchema | undefined, prefix = '', depth = 0): string[] {
  const object = objectOf(schema);
  if (!object || depth > 3) return [];
  const required = new Set((object.required as string[] | undefined) ?? []);
  const rows: string[] = [];
  for (const [name, field] of Object.entries(object.properties as Record<string, JsonSchema>)) {
    const path = `${prefix}${name}`;
    rows.push(
      `<tr><td><code>${esc(path)}</code></td><td><code>${esc(typeWords(field))}</code>${required.has(name) ? '' : ' (optional)'}</td><td>${esc(field.description ?? '')}</td></tr>`,
    );
    const inner =
      field.type === 'array' ||
      (Array.isArray(field.anyOf) && (field.anyOf as JsonSchema[]).some((s) => s.type === 'array'))
        ? `${path}[].`
        : `${path}.`;
    rows.push(...fieldRows(field, inner, depth + 1));
  }
  return rows;
}

function table(head: string[], rows: string[]): string {
  if (rows.length === 0) return '';
  return `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

function operationHtml(method: string, path: string, op: OpenApiOperation): string {
  const params = op.parameters.map(
    (p) =>
      `<tr><td><code>${esc(p.name)}</code></td><td>${p.in}${p.required ? '' : ' (optional)'}</td><td><code>${esc(typeWords(p.schema))}</code></td><td>${esc(p.description ?? '')}</td></tr>`,
  );
  const body = op.requestBody?.content['application/json']?.schema;
  const responses = Object.entries(op.responses)
    .filter(([status]) => status !== 'default')
    .map(([status, res]) => {
      if ('$ref' in res) return '';
      const content = Object.entries(res.content ?? {});
      if (content.length === 0) return `<p><b>${esc(status)}</b>: ${esc(res.description)}</p>`;
      return content
        .map(([type, { schema }]) => {
          const rows = type === 'application/json' ? fieldRows(schema) : [];
          const words =
            type === 'application/json'
              ? rows.length === 0
                ? ` <code>${esc(typeWords(schema))}</code>`
                : ''
              : ` ${esc(schema.description ?? '')}`;
          return `<p><b>${esc(status)}</b> <code>${esc(type)}</code>${words}</p>${table(['field', 'type', ''], rows)}`;
        })
        .join('');
    });
  return `<section id="${esc(op.operationId)}">
<h3><span class="m">${esc(method.toUpperCase())}</span>${esc(path)}</h3>
<p>${esc(op.summary)}</p>
<p class="auth">Auth: ${esc(op['x-auth'])} (${esc(authWords(op['x-auth']))})</p>
${table(['parameter', 'in', 'type', ''], params)}
${body ? `<p><b>Body</b> <code>application/json</code></p>${table(['field', 'type', ''], fieldRows(body))}` : ''}
${responses.join('\n')}
<p class="auth">Refusals: the error body <code>{error: {code, message, hint?}}</code>.</p>
</section>`;
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags[0] ?? 'hub';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const tags = [...byTag.keys()];
  const errorRows = fieldRows(doc.components.schemas.Error);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p>
<p>The same contract as JSON: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Send a token as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<nav>${tags.map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`).join('')}</nav>
${tags.map((t) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>\n${byTag.get(t)!.join('\n')}`).join('\n')}
<h2 id="errors">Errors</h2>
<p>Every refusal, whatever its status:</p>
${table(['field', 'type', ''], errorRows)}
</body></html>
`;
}
