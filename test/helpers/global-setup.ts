/**
 * Runs once before the suite: says plainly when the Postgres half of the storage tests will be skipped, and
 * removes schemas left behind by test runs that were killed.
 */
import pg from 'pg';

export default async function setup(): Promise<void> {
  const url = process.env.DATASYNC_TEST_PG_URL;
  if (!url) {
    console.log('DATASYNC_TEST_PG_URL is not set: the Postgres storage tests were skipped (SQLite only).');
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Schemas are named t_<epoch seconds>_…; anything older than a day belongs to a dead run.
    const { rows } = await client.query<{ nspname: string }>(
      "select nspname from pg_namespace where nspname like 't\\_%'",
    );
    const cutoff = Math.floor(Date.now() / 1000) - 86_400;
    for (const { nspname } of rows) {
      const born = Number(nspname.split('_')[1]);
      if (Number.isFinite(born) && born < cutoff)
        await client.query(`drop schema if exists "${nspname}" cascade`);
    }
  } finally {
    await client.end();
  }
}
