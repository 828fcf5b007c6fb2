// Property-based fuzzing of every route of /openapi.json with hostile path segments, query
// values, headers and bodies, through app.request on the test database. The properties: no
// 5xx, every 4xx is application/problem+json whose status is the response's, and the server
// is healthy afterwards. Bounded for CI: FUZZ_RUNS requests (default 1,000) and FUZZ_MS
// (default 50 s), whichever comes first; the seed is printed so a failure replays with
// FUZZ_SEED=<seed>.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import { backendName, openTestApp, type TestContext } from '../support/app.js';

const seed = Number(process.env.FUZZ_SEED ?? 20261201);
const runs = Number(process.env.FUZZ_RUNS ?? 1000);
const timeLimitMs = Number(process.env.FUZZ_MS ?? 50_000);

let t: TestContext;
let adminKey: string;

/** The problem document a 4xx page carries, or an empty object when it has none (then the checks fail). */
function problemInPage(html: string): string {
  const found = /<script type="application\/problem\+json" id="problem">(.*?)<\/script>/s.exec(html);
  return found?.[1] ?? '{}';
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: { name: string; examples: string[] }[];
  hasBody: boolean;
}

let operations: Operation[] = [];
let targets: { op: Operation; param?: Operation['query'][number] }[] = [];
/** Real ids and names for path segments, so that requests also reach past the 404s. */
let realSegments: string[] = [];

beforeAll(async () => {
  t = await openTestApp();
  adminKey = (await createApiKey(t.handle.db, { name: 'fuzz admin', role: 'admin' })).key;
  const spec = await (await t.get('/openapi.json')).json();
  for (const [path, item] of Object.entries<
    Record<
      string,
      {
        parameters?: {
          name: string;
          in: string;
          schema?: { enum?: unknown[]; example?: unknown; default?: unknown };
          example?: unknown;
        }[];
        requestBody?: unknown;
      }
    >
  >(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({
            name: p.name,
            examples: [...(p.schema?.enum ?? []), p.schema?.example, p.example, p.schema?.default]
              .filter((v) => v !== undefined)
              .map(String),
          })),
        hasBody: op.requestBody !== undefined,
      });
    }
  }
  const ids = async (table: 'sites' | 'plots' | 'territories') =>
    (await t.handle.db.selectFrom(table).select('id').orderBy('id').limit(2).execute()).map((r) => String(r.id));
  const collections = (await (await t.get('/ogc/collections')).json()).collections.map((c: { id: string }) => c.id);
  realSegments = [
    ...(await ids('sites')),
    ...(await ids('plots')),
    ...(await ids('territories')),
    ...collections,
    'sites',
    'plots',
    'territories',
    'brownfields',
    '0',
    '1',
    '5',
    '10',
    '13',
    '14',
    '22',
    '512',
    '4000.mvt',
    '10.mvt',
    'power',
    'zoning',
  ];
  operations = operations.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
  targets = operations.flatMap((op) => [{ op }, ...op.query.map((param) => ({ op, param }))]);
}, 180_000);
afterAll(async () => t?.close());

// Values that broke parsers elsewhere: prototype words, numbers at the edges of floats,
// encodings, SQL and path tricks, lone surrogates, control characters, very long text.
const prototypeWords = [
  'toString',
  'constructor',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
  'isPrototypeOf',
  'toLocaleString',
  '__defineGetter__',
];
const hostileWords = [
  '',
  ' ',
  'toString',
  'constructor',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
  'prototype',
  '0',
  '-0',
  '-1',
  '1e309',
  '-1e309',
  '1e-400',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '9'.repeat(40),
  '2147483648',
  '9007199254740993',
  '1.',
  '.5',
  '1,5',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '"',
  "'",
  '`',
  ';',
  ',',
  ',,,',
  '-',
  '--',
  '-score',
  'score,',
  'a,b,c',
  "' OR 1=1 --",
  "'; DROP TABLE sites; --",
  '$1',
  '%',
  '%%',
  '%00',
  '%zz',
  '%u0000',
  '\u0000',
  '\n',
  '\r\n',
  '\t',
  '\\',
  '/',
  '..',
  '../..',
  '//',
  '?',
  '#',
  '&',
  '=',
  '\uD800',
  '\uDFFF',
  '\uFFFF',
  '💥',
  'é',
  'e\u0301',
  'İ',
  'ß',
  '\u202E',
  '<script>alert(1)</script>',
  '0,0,0,0',
  '-180,-90,180,90',
  '180,90,-180,-90',
  '1,2',
  '1,2,3',
  '4.85,45.75',
  '999,999',
  'NaN,NaN',
  '2024-02-30',
  '2024-13-01',
  '0000-00-00',
  '9999-12-31T23:59:60Z',
  '../2024-01-01',
  '2024-01-01/..',
  'POINT(0 0)',
  'POLYGON((0 0,1 0,1 1,0 0))',
  'S_INTERSECTS(geometry,POINT(1 1))',
  "name LIKE '%'",
  'a = 1 AND',
  'NOT NOT NOT',
  'x IN ()',
  '(((((x)))))',
  'ti-8401',
  'ti-',
  '246000764',
  '07001',
  '2A',
  '974',
  'x'.repeat(300),
  'a'.repeat(5000),
  '0'.repeat(100),
];
// For parameters without an enum or example: values of the right shape for many of them, so
// that a request with one hostile value gets past the others.
const plausibleValues = [
  '10',
  '1',
  '0.5',
  '100',
  '4.85,45.75',
  '-5,41,10,52',
  '4.7,44.8,5.2,45.2',
  '2024-01-01',
  '2020-01-01T00:00:00Z/..',
  'score',
  '-area',
  'name',
  'true',
  'false',
  'ti-8401',
  'json',
  'geojson',
  'csv',
  "name LIKE 'A%'",
  'areaHa > 1',
];

// Deep nesting, everywhere including CQL2 `filter` (the parser caps nesting at 100 levels):
// 2,188 balanced parentheses once overflowed its stack.
const deepNesting = [
  '('.repeat(3000),
  '['.repeat(3000),
  '-'.repeat(3000),
  `${'('.repeat(2188)}a = 1${')'.repeat(2188)}`,
  `${'NOT '.repeat(1500)}a = 1`,
];

const hostileText = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...hostileWords) },
  { weight: 2, arbitrary: fc.constantFrom(...prototypeWords) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.uuid() },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(...hostileWords.slice(0, 40)), { maxLength: 4 })
      .map((parts) => parts.join(',')),
  },
);

/** Percent-encodes text as UTF-8 (lone surrogates included, as U+FFFD) or, sometimes, leaves it raw. */
const encode = (text: string, raw: boolean) =>
  raw
    ? text.replace(/[ #\r\n\t\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    : [...Buffer.from(text, 'utf8')]
        .map((b) =>
          /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
            ? String.fromCharCode(b)
            : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
        )
        .join('');

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}',
    '{"geometry":{"type":"Polygon","coordinates":[[[4.8,45.7],[4.9,45.7],[4.9,45.8],[4.8,45.7]]]},"name":"x"}',
    '{"geometry":{"type":"Polygon","coordinates":[[[1e309,0],[0,0]]]}}',
    '{"geometry":{"type":"GeometryCollection","geometries":[]}}',
    '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"__proto__":{"x":1}}}]}',
    '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
    '{"plotIds":["00000000-0000-0000-0000-000000000000"],"geometry":null}',
    '{"state":"labelled","to":"toString","reason":"x"}',
    '{"status":"met","evidence":"x"}',
    `[${'['.repeat(2000)}${']'.repeat(2000)}]`,
    '{"a":',
    'null',
    '"\\uD800"',
  ),
);
const csvBody = fc.oneof(
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.constantFrom('id_site;nom\n1;x\n', 'idcom\n01001\n', '\uFEFF"a;b\n', 'a,b\n"unterminated\n', ';;;;\n;;;;\n'),
);

/** `arbitrary` once in `n` draws, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, n: number) =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const request = fc.record({
  target: fc.nat(),
  targetValue: hostileText,
  pathValues: fc.array(
    fc.oneof(
      { weight: 4, arbitrary: hostileText },
      { weight: 4, arbitrary: fc.nat() },
      { weight: 1, arbitrary: fc.constantFrom(...deepNesting) },
    ),
    { minLength: 4, maxLength: 4 },
  ),
  rawPath: fc.boolean(),
  params: fc.array(
    fc.record({
      pick: fc.nat(),
      useExample: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
      value: hostileText,
      deep: fc.nat(20),
    }),
    { maxLength: 3 },
  ),
  unknownParam: sometimes(fc.tuple(hostileText, hostileText), 6),
  repeatParam: fc.boolean(),
  rawQuery: fc.boolean(),
  auth: fc.constantFrom('none', 'admin', 'admin', 'garbage'),
  garbageToken: hostileText,
  accept: sometimes(
    fc.constantFrom(
      'application/geo+json',
      'text/csv',
      'text/html',
      'application/vnd.mapbox-vector-tile',
      '*/*',
      'image/png',
      'application/json;q=0',
      ';;;',
      'x/y, */*;q=abc',
    ),
    3,
  ),
  ifMatch: sometimes(fc.oneof(hostileText, fc.constantFrom('"1"', 'W/"1"', '*', '"')), 3),
  contentType: fc.constantFrom(
    'application/json',
    'application/json',
    'application/geo+json',
    'text/csv',
    'text/plain',
    'multipart/form-data',
    'application/x-www-form-urlencoded',
    'application/json; charset=latin1',
    '',
  ),
  json: jsonBody,
  csv: csvBody,
});

describe(`fuzzing the OpenAPI routes (${backendName()})`, () => {
  it('no 5xx, every 4xx problem+json, the server healthy afterwards', async () => {
    expect(operations.length).toBeGreaterThan(40);
    const statuses = new Map<number, number>();
    let requests = 0;
    const started = performance.now();
    console.log(
      `fuzz: seed ${seed}, at most ${runs} requests or ${timeLimitMs} ms, ` +
        `${operations.length} operations, ${targets.length} targets (replay with FUZZ_SEED=${seed})`,
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        // One target drawn among every (operation, query parameter) pair, so that routes with
        // many parameters get as many hostile values as they have parameters; the target
        // parameter is always hostile, the others (0 to 3) plausible or hostile.
        const { op, param: targetParam } = targets[r.target % targets.length]!;
        let i = 0;
        const segment = (v: string | number) =>
          typeof v === 'number' ? realSegments[v % realSegments.length]! : encode(v, r.rawPath);
        const path = op.path.replace(/\{(\w+)\}/g, () => segment(r.pathValues[i++ % 4]!));
        const query: string[] = [];
        const named = new Set<string>();
        if (targetParam) {
          named.add(targetParam.name);
          query.push(`${encode(targetParam.name, false)}=${encode(r.targetValue, r.rawQuery)}`);
        }
        for (const p of r.params) {
          if (op.query.length === 0) break;
          const param = op.query[p.pick % op.query.length]!;
          // A parameter given twice is an array to zod: a 400 every time, so only sometimes.
          if (named.has(param.name) && !r.repeatParam) continue;
          named.add(param.name);
          const plausible = param.examples.length ? param.examples : plausibleValues;
          let value = p.useExample ? plausible[p.pick % plausible.length]! : p.value;
          if (p.deep === 0) value = deepNesting[p.pick % deepNesting.length]!;
          query.push(`${encode(param.name, false)}=${encode(value, r.rawQuery)}`);
        }
        if (r.unknownParam) query.push(`${encode(r.unknownParam[0], false)}=${encode(r.unknownParam[1], r.rawQuery)}`);
        const url = `${path}${query.length ? `?${query.join('&')}` : ''}`;
        const headers: Record<string, string> = {};
        if (r.auth === 'admin') headers.authorization = `Bearer ${adminKey}`;
        if (r.auth === 'garbage') headers.authorization = `Bearer ${r.garbageToken.replace(/[^\x21-\x7e]/g, '')}`;
        if (r.accept) headers.accept = r.accept;
        if (r.ifMatch) headers['if-match'] = r.ifMatch.replace(/[^\x20-\x7e]/g, '');
        const init: RequestInit = { method: op.method, headers };
        if (op.hasBody || op.method !== 'GET') {
          if (r.contentType) headers['content-type'] = r.contentType;
          if (op.method !== 'GET' && op.method !== 'DELETE') init.body = r.contentType === 'text/csv' ? r.csv : r.json;
        }
        const res = await t.get(url, init);
        const text = await res.text();
        requests++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const what = `${op.method} ${url.slice(0, 300)} -> ${res.status} ${text.slice(0, 300)}`;
        if (process.env.FUZZ_DEBUG && res.status === 400 && Math.random() < 0.05) console.log(what.slice(0, 250));
        if (res.status >= 500) throw new Error(`5xx: ${what}`);
        if (res.status >= 400) {
          // A page asked for by a browser (f=html or Accept: text/html) shows its problem to people and
          // carries the problem document (script#problem); everything else is problem+json.
          const page = res.headers.get('content-type')?.startsWith('text/html') ? problemInPage(text) : undefined;
          const askedForPage = /[?&]f=html(&|$)/.test(url) || headers.accept?.includes('text/html');
          if (page !== undefined && !askedForPage) throw new Error(`4xx page nobody asked for: ${what}`);
          if (page === undefined && !res.headers.get('content-type')?.startsWith('application/problem+json'))
            throw new Error(`4xx not problem+json: ${what}`);
          const problem = JSON.parse(page ?? text) as { status?: number; code?: string };
          if (problem.status !== res.status || typeof problem.code !== 'string')
            throw new Error(`4xx problem without its status and code: ${what}`);
          if (/\bat .+\.(ts|js):\d+|SELECT |INSERT |syntax error at/i.test(text))
            throw new Error(`4xx leaks a stack or SQL: ${what}`);
        }
      }),
      { seed, numRuns: runs, endOnFailure: true, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] },
    );
    const ms = Math.round(performance.now() - started);
    const byStatus = Object.fromEntries([...statuses].sort(([a], [b]) => a - b));
    console.log(`fuzz: ${requests} requests in ${ms} ms, statuses ${JSON.stringify(byStatus)}`);
    expect(requests).toBeGreaterThan(0);

    // Healthy afterwards: answering, database reachable, a real query still right.
    expect((await t.get('/healthz')).status).toBe(200);
    expect((await t.get('/readyz')).status).toBe(200);
    const plots = await t.get('/plots?limit=1');
    expect(plots.status).toBe(200);
    expect((await plots.json()).items).toHaveLength(1);
  }, 120_000);
});
