// The served /openapi.json through two independent OpenAPI tools: swagger-parser's validator
// (the OpenAPI 3.1 JSON Schema) and Redocly's recommended ruleset. Both must report 0 errors.
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';

type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: { pattern?: string } }[];
};

describe('/openapi.json', () => {
  let t: TestContext;
  let text: string;
  let doc: { paths: Record<string, Record<string, Operation>> };
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );

  beforeAll(async () => {
    t = await openTestApp();
    text = await (await t.get('/openapi.json')).text();
    doc = JSON.parse(text);
  });
  afterAll(() => t?.close());

  it('passes swagger-parser validation', async () => {
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(JSON.parse(text))).resolves.toBeTruthy();
  });

  it('has 0 errors under Redocly recommended rules', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, absoluteRef: 'openapi.json', config });
    const errors = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
    // operationIds and examples are warnings in the recommended set: held to zero too.
    const warnings = problems.filter(
      (p) =>
        p.ruleId === 'operation-operationId' ||
        p.ruleId === 'no-invalid-schema-examples' ||
        p.ruleId === 'operation-operationId-unique',
    );
    expect(warnings.map((p) => `${p.ruleId}: ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/sites/{id}']!.get!.operationId).toBe('getSite');
    expect(doc.paths['/ogc/collections/{collectionId}/items']!.get!.operationId).toBe('listOgcItems');
  });

  it('declares bearerAuth on restricted operations and none on public reads', () => {
    const bearer = [{ bearerAuth: [] }];
    for (const [path, method] of [
      ['/sites', 'post'],
      ['/sites/{id}', 'patch'],
      ['/plots/{id}', 'delete'],
      ['/imports', 'post'],
      ['/audit', 'get'],
      ['/sites/{id}/label/transitions', 'post'],
    ] as const) {
      expect(doc.paths[path]![method]!.security, `${method} ${path}`).toEqual(bearer);
    }
    expect((doc as { security?: unknown }).security).toEqual([]);
    expect(doc.paths['/sites/{id}']!.get!.security).toBeUndefined();
  });

  it('has a UUID pattern that matches real ids, in either case', async () => {
    const site = await t.handle.db.selectFrom('sites').select('id').executeTakeFirstOrThrow();
    const pattern = doc.paths['/sites/{id}']!.get!.parameters!.find((p) => p.name === 'id')!.schema!.pattern!;
    // JSON Schema patterns are ECMA-262 regexes without delimiters or flags.
    const regex = new RegExp(pattern, 'u');
    expect(regex.test(site.id)).toBe(true);
    expect(regex.test(site.id.toUpperCase())).toBe(true);
    expect(regex.test(`${site.id}x`)).toBe(false);
    expect((await t.get(`/sites/${site.id.toUpperCase()}`)).status).toBe(200);
  });
});
