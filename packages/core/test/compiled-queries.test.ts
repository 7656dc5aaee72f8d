import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompiledQueries } from '../src/compiled-queries.js';
import { tempDir } from '../../../test-support/processes.js';

interface Db {
  pets: { name: string; kind: string; age: number };
}

async function withDb(run: (db: Kysely<Db>, seen: string[]) => Promise<void>) {
  const dir = await tempDir();
  const seen: string[] = [];
  const db = new Kysely<Db>({
    dialect: new SqliteDialect({ database: new SQLite(path.join(dir.path, 'pets.sqlite')) }),
    log: (event) => void seen.push(event.query.sql),
  });
  try {
    await db.schema.createTable('pets').addColumn('name', 'text').addColumn('kind', 'text').addColumn('age', 'integer').execute();
    await db.insertInto('pets').values([{ name: 'Rex', kind: 'dog', age: 3 }, { name: 'Tom', kind: 'cat', age: 5 }, { name: 'Fido', kind: 'dog', age: 7 }]).execute();
    await run(db, seen);
  } finally {
    await db.destroy();
    await dir.remove();
  }
}

test('a query is built once per key, and each call binds its own parameters', () =>
  withDb(async (db, seen) => {
    const queries = new CompiledQueries(db);
    let builds = 0;
    const olderThan = async (kind: string, age: number) => {
      const { rows } = await queries.execute('older', [kind, age], () => {
        builds++;
        return db.selectFrom('pets').select('name').where('kind', '=', kind).where('age', '>', age).orderBy('name');
      });
      return rows.map((r) => r.name);
    };
    assert.equal(await olderThan('dog', 1), ['Fido', 'Rex']);
    assert.equal(await olderThan('dog', 5), ['Fido']);
    assert.equal(await olderThan('cat', 1), ['Tom']);
    assert.is(builds, 1);
    assert.is(new Set(seen.filter((s) => s.startsWith('select'))).size, 1, 'one SQL text');
  }));

test('parameters out of step with the query are refused on the first call, before anything runs', () =>
  withDb(async (db) => {
    const queries = new CompiledQueries(db);
    const swapped = () => queries.execute('swapped', [3, 'dog'], () => db.selectFrom('pets').select('name').where('kind', '=', 'dog').where('age', '>', 3));
    try {
      await swapped();
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.match((err as Error).message, /query swapped: the parameters given are not the ones kysely binds \(\["dog",3\]\)/);
    }
    const missing = () => queries.execute('missing', ['dog'], () => db.deleteFrom('pets').where('kind', '=', 'dog').where('age', '>', 3));
    await missing().then(
      () => assert.unreachable('should have thrown'),
      (err: Error) => assert.match(err.message, /query missing/),
    );
    assert.is((await db.selectFrom('pets').select('name').execute()).length, 3, 'nothing was deleted');
  }));

test.run();
