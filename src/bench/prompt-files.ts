// Reads prompt and reference files for a bench run: JSON ({prompts, references} or an array), JSON lines, or plain text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BenchError } from './bench-error';
import type { Reference } from './engine';

/** The demo prompts and references shipped in resources/bench (beside the source and beside the CLI bundle). */
export function demoPromptsFile(): string {
  for (const rel of [
    '../../resources/bench/demo-prompts.json',
    '../resources/bench/demo-prompts.json',
    './resources/bench/demo-prompts.json',
  ]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    try {
      readFileSync(path);
      return path;
    } catch {
      // try the next layout
    }
  }
  throw new BenchError(
    'INVALID_CONFIG',
    'the demo prompts (resources/bench/demo-prompts.json) are missing from this installation',
  );
}

function parse(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BenchError(
      'INVALID_CONFIG',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // maybe JSON lines
      try {
        return trimmed
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as unknown);
      } catch (err) {
        throw new BenchError('INVALID_CONFIG', `${path} is neither JSON nor JSON lines: ${(err as Error).message}`);
      }
    }
  }
  return trimmed
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Prompts: a JSON array of strings or {prompt}, {prompts: [...]}, JSON lines, or one prompt per line. */
export function readPrompts(path: string): string[] {
  const data = parse(path);
  const list = Array.isArray(data) ? data : (data as { prompts?: unknown }).prompts;
  if (!Array.isArray(list) || list.length === 0) throw new BenchError('INVALID_CONFIG', `${path} holds no prompts`);
  return list.map((p, i) => {
    const text = typeof p === 'string' ? p : (p as { prompt?: unknown }).prompt;
    if (typeof text !== 'string' || text.trim() === '')
      throw new BenchError('INVALID_CONFIG', `${path}: prompt ${i + 1} is not text`);
    return text;
  });
}

/** References: [{prompt, reference}] as JSON, JSON lines, or {references: [...]}. */
export function readReferences(path: string): Reference[] {
  const data = parse(path);
  const list = Array.isArray(data) ? data : (data as { references?: unknown }).references;
  if (!Array.isArray(list) || list.length === 0) throw new BenchError('INVALID_CONFIG', `${path} holds no references`);
  return list.map((r, i) => {
    const { prompt, reference } = (r ?? {}) as { prompt?: unknown; reference?: unknown };
    if (typeof prompt !== 'string' || typeof reference !== 'string' || reference === '') {
      throw new BenchError('INVALID_CONFIG', `${path}: reference ${i + 1} needs "prompt" and a non-empty "reference"`);
    }
    return { prompt, reference };
  });
}
