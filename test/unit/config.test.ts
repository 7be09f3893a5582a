import { describe, expect, it } from 'vitest';
import { loadConfig, redactUrl } from '../../src/config/config.js';

describe('loadConfig', () => {
  it('defaults to SQLite in ./.datasync on port 4000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.dataDir.endsWith('.datasync')).toBe(true);
    expect(config.database).toEqual({ dialect: 'sqlite', file: `${config.dataDir}/datasync.db` });
  });

  it('lets flags win over the environment', () => {
    const config = loadConfig(
      { PORT: '5000', DATASYNC_DATA_DIR: '/tmp/a' },
      { port: '6000', data: '/tmp/b' },
    );
    expect(config.port).toBe(6000);
    expect(config.dataDir).toBe('/tmp/b');
  });

  it('uses Postgres when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/db' }).database).toEqual({
      dialect: 'postgres',
      url: 'postgres://u:p@h:5432/db',
    });
  });

  it('names every bad value in one message, never a secret', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://root:hunter2@x/db', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT / --port must be a number (got "abc")');
      expect(message).toContain('DATABASE_URL must be a postgres:// URL');
      expect(message).toContain('LOG_LEVEL');
      expect(message).not.toContain('hunter2');
      expect((error as { code: string }).code).toBe('config_invalid');
    }
  });

  it('rejects an out-of-range port', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/between 0 and 65535/);
  });

  it('redacts passwords in database URLs', () => {
    expect(redactUrl('postgres://user:secret@host/db')).toBe('postgres://user:***@host/db');
  });
});
