/**
 * Config as code: apply makes the database match the file, applying twice changes nothing, a hand edit to a
 * managed resource shows in the next plan, credentials come from the environment and never from the file.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import { loadConfigFile, planConfig } from '../../src/config-as-code/apply-config.js';
import { exportConfig } from '../../src/config-as-code/export-config.js';
import { formatChanges } from '../../src/config-as-code/plan.js';
import { describeEachDialect } from '../helpers/dialects.js';

const DEFINE = path.resolve('src/config-as-code/define-config.ts');

function configFile(dir: string, slug: string, extra = ''): string {
  const file = path.join(dir, `datasync.config.${slug}.ts`);
  writeFileSync(
    file,
    `import { defineConfig, env } from ${JSON.stringify(DEFINE)};
export default defineConfig({
  organization: ${JSON.stringify(slug)},
  connections: {
    crm: { connector: 'hubspot', settings: { baseUrl: 'http://127.0.0.1:1' }, credentials: { token: env('CRM_TOKEN') } },
  },
  collections: {
    people: { name: 'People', schema: { fields: [] } },
  },
  syncs: {
    'people-copy': {
      definition: {
        a: { connector: 'collection' },
        b: { connector: 'collection' },
        direction: 'push',
        objects: [{ name: 'people', a: 'people', b: 'people_copy', fields: [{ a: 'email', b: 'email' }] }],
      },
      schedule: '0 * * * *',
    },
    ${extra}
  },
});
`,
  );
  return file;
}

describeEachDialect('config as code', (get) => {
  it('applies, is idempotent, shows hand edits in the plan and puts them back', async () => {
    const { store, repos, box, database } = get();
    const ctx: AppContext = {
      config: loadConfig({ DATASYNC_DATA_DIR: database.dir }),
      logger: pino({ level: 'silent' }),
      store,
      box,
      repos,
      secretKeyFile: undefined,
      close: async () => undefined,
    };
    const slug = `cfg-${Date.now()}`;
    const org = await repos.organizations.create({ name: 'Cfg', slug });
    const file = await loadConfigFile(configFile(database.dir, slug));
    const environment = { CRM_TOKEN: 'secret-token-1234' };

    const first = await planConfig(ctx, file, environment);
    expect(formatChanges(first.changes).split('\n')).toEqual([
      '+ connection crm (connector, credentials, settings)',
      '+ collection people (name, schema)',
      '+ sync people-copy (definition, schedule, status)',
    ]);
    await first.apply();
    const crm = (await repos.connections.list(org.id)).data.find((c) => c.name === 'crm')!;
    expect(crm.managedBy).toBe('config');
    expect(await repos.connections.credentials(org.id, crm.id)).toEqual({ token: 'secret-token-1234' });

    const second = await planConfig(ctx, file, environment);
    expect(second.changes).toEqual([]);

    // Someone edits a managed sync and rotates the token by hand.
    const sync = (await repos.syncs.list(org.id)).data.find((s) => s.name === 'people-copy')!;
    await repos.syncs.update(org.id, sync.id, { schedule: '*/5 * * * *' });
    const drift = await planConfig(ctx, file, { CRM_TOKEN: 'rotated-token-9999' });
    expect(formatChanges(drift.changes).split('\n')).toEqual([
      '~ connection crm (credentials)',
      '~ sync people-copy (schedule)',
    ]);
    await drift.apply();
    expect((await repos.syncs.get(org.id, sync.id))?.schedule).toBe('0 * * * *');
    expect((await planConfig(ctx, file, { CRM_TOKEN: 'rotated-token-9999' })).changes).toEqual([]);

    // Missing credentials are named, never guessed.
    await expect(planConfig(ctx, file, {})).rejects.toThrow(
      /credentials missing from the environment: CRM_TOKEN/,
    );

    // Export writes env() references, never the secret.
    const exported = await exportConfig(ctx, org.id);
    expect(exported).toContain("env('CRM_TOKEN')");
    expect(exported).not.toContain('rotated-token');
    expect(exported).toContain('"people-copy"');
  });
});
