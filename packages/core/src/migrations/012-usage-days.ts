import type { Kysely } from 'kysely';

// What each key spent on the vision model, per UTC day: tokens as the API reported them,
// and their cost when prices were set. A ledger of its own, so deleting a job or the
// retention sweep takes nothing off a day's total, and a daily limit cannot be undone.
// The owner is '' for a server without API keys.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_days')
    .ifNotExists()
    .addColumn('owner', 'varchar(64)', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('jobs', 'integer', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cost_usd', 'double precision')
    .addPrimaryKeyConstraint('usage_days_pk', ['owner', 'day'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_days').ifExists().execute();
}
