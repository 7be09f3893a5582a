/**
 * Fuzz: thousands of generated requests to every route — random path values, unknown and malformed query
 * parameters, arbitrary JSON and broken JSON bodies, odd content types, garbage credentials and org headers —
 * as an owner (to reach validation and handlers), with garbage credentials and with none. Never a 5xx.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { API_ROUTES } from '../../src/api/routes/index.js';
import { describeApi } from '../helpers/api.js';

const RUNS = Number(process.env.DATASYNC_FUZZ_RUNS ?? 3000);

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '..',
    '../..',
    '%00',
    'con_01jz0000000000000000000000',
    'usr_',
    'null',
    '-1',
    '1e309',
    'a'.repeat(300),
  ),
);

const body = fc.oneof(
  fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 4 }) }),
  fc.record({
    kind: fc.constant('json' as const),
    value: fc.dictionary(
      fc.constantFrom(
        'name',
        'connector',
        'email',
        'password',
        'role',
        'data',
        'status',
        'version',
        'key',
        'settings',
        'credentials',
        'schema',
        '__proto__',
        'constructor',
      ),
      fc.jsonValue({ maxDepth: 3 }),
    ),
  }),
  fc.record({ kind: fc.constant('raw' as const), value: fc.string({ maxLength: 200 }) }),
  fc.constant({ kind: 'none' as const, value: undefined }),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'garbage',
);

describeApi('API fuzz', (get) => {
  it(`sends ${RUNS} generated bad requests across every route: zero 5xx`, async () => {
    const w = get();
    const credential = fc.constantFrom<'owner' | 'none' | 'garbage' | 'viewer' | 'cookie'>(
      'owner',
      'owner',
      'none',
      'garbage',
      'viewer',
      'cookie',
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...API_ROUTES),
        fc.array(text, { minLength: 2, maxLength: 2 }),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom('limit', 'cursor', 'status', 'role', 'from', 'connector'),
            fc.string({ maxLength: 10 }),
          ),
          text,
          { maxKeys: 3 },
        ),
        body,
        contentType,
        credential,
        fc.option(text),
        fc.option(text),
        async (route, values, query, b, type, who, org, garbage) => {
          let i = 0;
          const path = route.path.replace(
            /:[A-Za-z0-9_]+/g,
            () => encodeURIComponent(values[i++] ?? 'x') || 'x',
          );
          const qs = new URLSearchParams(query).toString();
          const headers: Record<string, string> = {};
          if (who === 'owner') headers.authorization = `Bearer ${w.a.keys.owner}`;
          if (who === 'viewer') headers.authorization = `Bearer ${w.a.keys.viewer}`;
          if (who === 'garbage') headers.authorization = garbage ?? 'Bearer';
          if (who === 'cookie') headers.cookie = `datasync_session=${encodeURIComponent(garbage ?? '')}`;
          if (org !== null) headers['x-datasync-org'] = encodeURIComponent(org);
          if (b.kind !== 'none') headers['content-type'] = type;
          const res = await w.app.inject({
            method: route.method,
            url: qs ? `${path}?${qs}` : path,
            headers,
            ...(b.kind === 'json'
              ? { payload: JSON.stringify(b.value) }
              : b.kind === 'raw'
                ? { payload: b.value }
                : {}),
          });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500)
            throw new Error(`${route.method} ${path} → ${res.statusCode} ${res.body}`);
          if (res.statusCode >= 400)
            expect(
              res.json(),
              `${route.method} ${path} ${JSON.stringify(headers)} → ${res.body}`,
            ).toHaveProperty('error.code');
        },
      ),
      { numRuns: RUNS },
    );
    // The generator must reach past authentication into validation, or it proves little.
    expect((statuses.get(400) ?? 0) + (statuses.get(422) ?? 0)).toBeGreaterThan(RUNS / 10);
  });
});
