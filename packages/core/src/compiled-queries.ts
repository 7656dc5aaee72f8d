import { isDeepStrictEqual } from 'node:util';
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/**
 * The queries that run on every request, compiled once. kysely builds and compiles each
 * query anew, and for these that costs more than running them: the content-cache lookup
 * every submit makes took 38 µs to build and compile and 1 µs in SQLite; an INSERT, 15 µs
 * per row to build.
 *
 * A query is still written with kysely. The first call for a key builds it and keeps its
 * SQL; later calls bind new parameters to that SQL. The first build also checks that the
 * caller's `parameters` are the ones kysely binds, in kysely's order, so a query and its
 * parameter list cannot drift apart unnoticed.
 */
/**
 * What kysely binds for `insertInto(table).values(rows)`: each row's values in column
 * order, row after row. Every row must have the same columns in the same order.
 */
export function insertParameters(rows: ReadonlyArray<Record<string, unknown>>): unknown[] {
  const columns = Object.keys(rows[0] ?? {});
  return rows.flatMap((row) => columns.map((column) => row[column]));
}

export class CompiledQueries {
  private readonly sqlByKey = new Map<string, string>();

  constructor(private readonly db: Kysely<any>) {}

  /**
   * Run the query `build` makes, with `parameters`. `key` names the query's shape: every
   * call with the same key must build the same SQL.
   */
  async execute<Row>(key: string, parameters: readonly unknown[], build: () => Compilable<Row>): Promise<QueryResult<Row>> {
    let text = this.sqlByKey.get(key);
    if (text === undefined) {
      const compiled = build().compile();
      if (!isDeepStrictEqual(compiled.parameters, parameters)) {
        throw new Error(`query ${key}: the parameters given are not the ones kysely binds (${JSON.stringify(compiled.parameters)})`);
      }
      text = compiled.sql;
      this.sqlByKey.set(key, text);
    }
    return this.db.executeQuery(CompiledQuery.raw(text, [...parameters]) as CompiledQuery<Row>);
  }
}
