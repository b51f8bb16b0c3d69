// Checks real hub answers against the schema /openapi.json declares for their route and status, collecting drift.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import type { OpenApiDocument, OpenApiResponse } from '../../src/hub/openapi';
import type { CallOptions, CallResult, TestHub } from './test-hub';

/** Validates real answers against the document a hub serves, and remembers which routes and statuses were seen. */
export class Conformance {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly seen = new Set<string>();
  readonly drift: string[] = [];

  constructor(
    private readonly hub: TestHub,
    readonly doc: OpenApiDocument,
  ) {
    addFormats(this.ajv);
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let v = this.compiled.get(key);
    if (!v) {
      v = this.ajv.compile(schema as object);
      this.compiled.set(key, v);
    }
    return v;
  }

  /** Calls `path` (a concrete instance of `template`) and checks the answer against the route's declaration. */
  async call<T = any>(
    method: string,
    template: string,
    path: string,
    options: CallOptions = {},
  ): Promise<CallResult<T>> {
    const pattern = new RegExp(
      `^${template
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\\?\{path\\?\}/g, '.+')
        .replace(/\{[^}]+\}/g, '[^/]+')}(\\?.*)?$`,
    );
    expect(path, `${path} is not an instance of ${template}`).toMatch(pattern);
    const res = await this.hub.call<T>(method, path, options);
    this.check(method, template, res);
    return res;
  }

  check(
    method: string,
    template: string,
    res: { status: number; headers: Headers; body: unknown; text: string },
  ): void {
    const where = `${method} ${template} -> ${res.status}`;
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    expect(op, `${method} ${template} is not in /openapi.json`).toBeDefined();
    this.seen.add(`${method} ${template} ${res.status}`);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (res.status >= 400) {
      expect(type, `${where}: a refusal is JSON`).toBe('application/json');
      this.validate(`${where} (error)`, 'error', this.doc.components.schemas.Error, res.body);
      return;
    }
    const declared = op!.responses[String(res.status)] as OpenApiResponse | undefined;
    if (!declared) {
      this.drift.push(`${where}: the status is not declared (declared: ${Object.keys(op!.responses).join(', ')})`);
      return;
    }
    const content = declared.content ?? {};
    if (Object.keys(content).length === 0) {
      expect(res.text, `${where} declares no body`).toBe('');
      return;
    }
    const json = content['application/json'];
    if (type === 'application/json' && !this.isStoredFile(res, content)) {
      if (!json) this.drift.push(`${where}: answered JSON, declared only ${Object.keys(content).join(', ')}`);
      else this.validate(where, `${method} ${template} ${res.status}`, json.schema, res.body);
      return;
    }
    // A raw body: a declared media type of its own, or a file (declared as bytes; served with its extension's type).
    const raw = Object.keys(content).filter((t) => t !== 'application/json');
    if (!raw.includes(type) && !raw.includes('application/octet-stream'))
      this.drift.push(`${where}: answered ${type}, declared ${Object.keys(content).join(', ')}`);
  }

  /** A stored file is served with its extension's type, a .json file as JSON: the file headers tell it from a listing. */
  private isStoredFile(res: { headers: Headers }, content: Record<string, unknown>): boolean {
    return (
      'application/octet-stream' in content &&
      res.headers.get('last-modified') !== null &&
      (res.headers.get('content-security-policy') ?? '').includes('sandbox')
    );
  }

  private validate(where: string, key: string, schema: unknown, body: unknown): void {
    const validate = this.validator(key, schema);
    if (!validate(body)) {
      this.drift.push(
        `${where}: ${this.ajv.errorsText(validate.errors, { separator: '; ' })}\n  body: ${JSON.stringify(body).slice(0, 400)}`,
      );
    }
  }
}
