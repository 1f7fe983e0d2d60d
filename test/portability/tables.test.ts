// Every table is either in the export or deliberately left out with a reason
// (src/portability/document.ts), so a table added later cannot be forgotten by the export.
import { env } from 'cloudflare:workers';
import { getTableName, is } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema';
import { LEFT_OUT, SECRET_FIELDS, TABLES } from '../../src/portability/document';

const schemaTables = Object.values(schema)
  .filter((value) => is(value, SQLiteTable))
  .map((table) => getTableName(table as SQLiteTable) as string)
  .sort();

describe('what an export covers', () => {
  it('every table the schema defines is exported or on the left-out list, never both, each left out with a reason', () => {
    const exported: string[] = Object.keys(TABLES);
    const leftOut = Object.keys(LEFT_OUT);
    const forgotten = schemaTables.filter((name) => !exported.includes(name) && !leftOut.includes(name));
    expect(forgotten, 'add these tables to TABLES or LEFT_OUT in src/portability/document.ts').toEqual([]);
    expect(exported.filter((name) => leftOut.includes(name))).toEqual([]);
    expect([...exported, ...leftOut].filter((name) => !schemaTables.includes(name)), 'names of no table').toEqual([]);
    for (const [name, reason] of Object.entries(LEFT_OUT)) expect(reason.length, name).toBeGreaterThan(20);
    // The export's keys are the tables' SQL names, as LEFT_OUT's are.
    for (const [name, table] of Object.entries(TABLES)) expect(getTableName(table)).toBe(name);
  });

  it('the database has no table the schema does not define (a table made by hand in a migration would escape the check above)', async () => {
    const { results } = await env.DB.prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name <> 'd1_migrations' order by name",
    ).all<{ name: string }>();
    expect(results.map((r) => r.name).sort()).toEqual(schemaTables);
  });

  it('secrets of the newer tables are sealed: SCIM token hashes and SAML pseudonym keys', () => {
    const sealed = SECRET_FIELDS.map((s) => `${s.table}.${s.field}`);
    expect(sealed).toEqual(expect.arrayContaining(['scim_tokens.tokenHash', 'saml_apps.pseudonymKey', 'users.passwordHash', 'apps.secretEncrypted']));
  });
});
