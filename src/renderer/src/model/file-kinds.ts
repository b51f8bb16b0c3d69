// What kind of file a workspace path is (markdown, JSON, image, text, binary) and the small parsing the preview needs.

export type FileKind = 'markdown' | 'json' | 'image' | 'text' | 'binary' | 'unknown';

const MARKDOWN = new Set(['md', 'markdown']);
const JSON_EXT = new Set(['json']);
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  avif: 'image/avif',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
};
const TEXT = new Set([
  'txt',
  'log',
  'csv',
  'tsv',
  'jsonl',
  'ndjson',
  'yaml',
  'yml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'env',
  'xml',
  'html',
  'htm',
  'css',
  'py',
  'ipynb',
  'ts',
  'tsx',
  'js',
  'mjs',
  'cjs',
  'jsx',
  'sh',
  'bash',
  'zsh',
  'fish',
  'ps1',
  'bat',
  'c',
  'h',
  'cc',
  'cpp',
  'hpp',
  'cu',
  'cuh',
  'rs',
  'go',
  'java',
  'kt',
  'rb',
  'lua',
  'sql',
  'r',
  'jl',
  'swift',
  'diff',
  'patch',
  'tex',
  'rst',
  'gitignore',
  'dockerfile',
  'mk',
  'cmake',
  'out',
  'err',
  'gguf-meta',
  'prompt',
  'tmpl',
  'jinja',
  'j2',
]);
const BINARY = new Set([
  'gguf',
  'bin',
  'safetensors',
  'pt',
  'pth',
  'ckpt',
  'onnx',
  'npy',
  'npz',
  'pkl',
  'pickle',
  'parquet',
  'arrow',
  'feather',
  'h5',
  'hdf5',
  'zip',
  'gz',
  'tgz',
  'tar',
  'xz',
  'zst',
  'bz2',
  '7z',
  'rar',
  'pdf',
  'so',
  'dylib',
  'dll',
  'exe',
  'o',
  'a',
  'wasm',
  'db',
  'sqlite',
  'mp3',
  'mp4',
  'wav',
  'ogg',
  'webm',
  'mov',
  'ttf',
  'otf',
  'woff',
  'woff2',
]);

export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The kind a file's name promises; "unknown" ones are sniffed from their first bytes. */
export function kindOf(path: string): FileKind {
  const ext = extensionOf(path);
  if (MARKDOWN.has(ext)) return 'markdown';
  if (JSON_EXT.has(ext)) return 'json';
  if (ext in IMAGE_TYPES) return 'image';
  if (TEXT.has(ext)) return 'text';
  if (BINARY.has(ext)) return 'binary';
  return 'unknown';
}

/** The image type to give a blob: the hub serves SVG (and anything it does not list) as octet-stream. */
export function imageType(path: string): string {
  return IMAGE_TYPES[extensionOf(path)] ?? 'application/octet-stream';
}

/**
 * Decodes bytes as UTF-8 text, or null when they look binary (a NUL byte early on, or invalid UTF-8).
 * `cut` says the bytes are the head of a longer file, so a character split at the end is not an error.
 */
export function decodeText(bytes: Uint8Array, cut: boolean): string | null {
  const probe = bytes.subarray(0, 8192);
  if (probe.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut });
  } catch {
    return null;
  }
}

export interface Frontmatter {
  fields: Array<[string, string]>;
  body: string;
}

/** Splits "---\nkey: value\n---\nbody" (the record format) into its fields, shown as a table, and its body. */
export function splitFrontmatter(text: string): Frontmatter {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return { fields: [], body: text };
  const fields: Array<[string, string]> = [];
  for (const line of match[1]!.split(/\r?\n/)) {
    const kv = /^([^:\s][^:]*):\s?(.*)$/.exec(line);
    if (kv) fields.push([kv[1]!.trim(), unquote(kv[2]!.trim())]);
    else if (fields.length > 0 && line.trim()) {
      // A continued value (a YAML list or a folded line): keep it with its key.
      const last = fields[fields.length - 1]!;
      last[1] = last[1] ? `${last[1]} ${line.trim()}` : line.trim();
    }
  }
  return { fields, body: text.slice(match[0].length) };
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value;
    }
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'");
  return value;
}

/** A frontmatter value as one line of YAML-ish text (strings plain when safe, else JSON). */
export function frontmatterValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[\w .,@/+()-]*$/.test(value) && value.trim() === value && value !== '' ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? 'null';
}

/** A record (message or result) as the markdown file the public layout stores: frontmatter, then the body. */
export function recordMarkdown(frontmatter: Record<string, unknown>, body: string): string {
  const lines = Object.entries(frontmatter).map(([k, v]) => `${k}: ${frontmatterValue(v)}`);
  return `---\n${lines.join('\n')}\n---\n${body.endsWith('\n') ? body : `${body}\n`}`;
}
