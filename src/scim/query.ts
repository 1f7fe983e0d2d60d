// A parsed SCIM filter as a SQL condition over the users (or groups) table, so a filter is
// answered by D1, page by page, instead of by loading every user. Each filterable attribute maps
// to one expression; anything else is a 400 invalidFilter that names the attribute.
import { sql, type SQL } from 'drizzle-orm';
import { groups, scimUsers, users } from '../db/schema';
import { ScimError } from './errors';
import { printAttrPath, type AttrPath, type CompareOp, type CompValue, type Filter } from './filter';
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from './user-resource';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

type Column =
  | { kind: 'text'; expr: SQL; caseExact: boolean }
  | { kind: 'boolean'; expr: SQL }
  | { kind: 'time'; expr: SQL }
  /** A multi-valued attribute: a JSON array whose items a `[…]` filter (or `.sub`) looks into. */
  | { kind: 'array'; expr: SQL };

const invalidFilter = (detail: string) => new ScimError(400, detail, 'invalidFilter');

/** The emails a User resource shows: those SCIM sent, else the sign-in email (see renderUser). */
const userEmails = sql`coalesce(json_extract(${scimUsers.attributes}, '$.emails'), json_array(json_object('value', ${users.email}, 'type', 'work', 'primary', json('true'))))`;

function userColumn(path: AttrPath): Column | null {
  if (path.uri && path.uri !== USER_SCHEMA.toLowerCase() && path.uri !== ENTERPRISE_SCHEMA.toLowerCase()) return null;
  const key = path.sub ? `${path.attr}.${path.sub}` : path.attr;
  switch (key) {
    case 'id':
      return { kind: 'text', expr: sql`${users.id}`, caseExact: true };
    case 'username':
      return { kind: 'text', expr: sql`coalesce(${scimUsers.userName}, ${users.email})`, caseExact: false };
    case 'externalid':
      return { kind: 'text', expr: sql`${scimUsers.externalId}`, caseExact: true };
    case 'displayname':
      return { kind: 'text', expr: sql`${users.name}`, caseExact: false };
    case 'name.givenname':
      return { kind: 'text', expr: sql`${users.givenName}`, caseExact: false };
    case 'name.familyname':
      return { kind: 'text', expr: sql`${users.familyName}`, caseExact: false };
    case 'active':
      return { kind: 'boolean', expr: sql`(not ${users.disabled})` };
    case 'meta.created':
      return { kind: 'time', expr: sql`${users.createdAt}` };
    case 'meta.lastmodified':
      return { kind: 'time', expr: sql`max(${users.updatedAt}, coalesce(${scimUsers.updatedAt}, 0))` };
    case 'emails':
      return { kind: 'array', expr: userEmails };
    default:
      if (path.attr === 'emails') return { kind: 'array', expr: userEmails };
      return null;
  }
}

/** A group's members as User references ({ value: <user id> }), for `members[value eq "…"]`. */
const groupMembersJson = sql`(select json_group_array(json_object('value', u.id)) from users u, json_each(u.groups) j where j.value = ${groups.name})`;

function groupColumn(path: AttrPath): Column | null {
  if (path.uri && path.uri !== GROUP_SCHEMA.toLowerCase()) return null;
  const key = path.sub ? `${path.attr}.${path.sub}` : path.attr;
  switch (key) {
    case 'id':
      return { kind: 'text', expr: sql`${groups.id}`, caseExact: true };
    case 'displayname':
      return { kind: 'text', expr: sql`${groups.name}`, caseExact: false };
    case 'externalid':
      return { kind: 'text', expr: sql`${groups.externalId}`, caseExact: true };
    case 'meta.created':
      return { kind: 'time', expr: sql`${groups.createdAt}` };
    case 'meta.lastmodified':
      return { kind: 'time', expr: sql`${groups.updatedAt}` };
    default:
      return path.attr === 'members' ? { kind: 'array', expr: groupMembersJson } : null;
  }
}

function textCondition(op: CompareOp | 'pr', col: { expr: SQL; caseExact: boolean }, value: CompValue | undefined): SQL {
  if (op === 'pr') return sql`(${col.expr} is not null and ${col.expr} <> '')`;
  if (value === null) {
    if (op === 'eq') return sql`(${col.expr} is null or ${col.expr} = '')`;
    if (op === 'ne') return sql`(${col.expr} is not null and ${col.expr} <> '')`;
    throw invalidFilter(`"${op}" cannot compare with null.`);
  }
  if (typeof value !== 'string') throw invalidFilter('This attribute is compared with a "string".');
  const left = col.caseExact ? col.expr : sql`lower(${col.expr})`;
  const right = col.caseExact ? value : value.toLowerCase();
  switch (op) {
    case 'eq':
      return sql`${left} = ${right}`;
    case 'ne':
      return sql`(${col.expr} is null or ${left} <> ${right})`;
    case 'co':
      return sql`instr(${left}, ${right}) > 0`;
    case 'sw':
      return sql`substr(${left}, 1, ${right.length}) = ${right}`;
    case 'ew':
      return right.length === 0 ? sql`${col.expr} is not null` : sql`substr(${left}, ${-right.length}) = ${right}`;
    case 'gt':
      return sql`${left} > ${right}`;
    case 'ge':
      return sql`${left} >= ${right}`;
    case 'lt':
      return sql`${left} < ${right}`;
    case 'le':
      return sql`${left} <= ${right}`;
  }
}

function timeCondition(op: CompareOp | 'pr', expr: SQL, value: CompValue | undefined): SQL {
  if (op === 'pr') return sql`${expr} is not null`;
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw invalidFilter('A time is compared with a date-time string such as "2026-01-01T00:00:00Z".');
  const s = Math.floor(t / 1000);
  const ops: Record<string, SQL> = {
    eq: sql`${expr} = ${s}`,
    ne: sql`${expr} <> ${s}`,
    gt: sql`${expr} > ${s}`,
    ge: sql`${expr} >= ${s}`,
    lt: sql`${expr} < ${s}`,
    le: sql`${expr} <= ${s}`,
  };
  const condition = ops[op];
  if (!condition) throw invalidFilter(`"${op}" does not apply to a time.`);
  return condition;
}

function condition(column: Column, op: CompareOp | 'pr', value: CompValue | undefined, label: string): SQL {
  switch (column.kind) {
    case 'text':
      return textCondition(op, column, value);
    case 'time':
      return timeCondition(op, column.expr, value);
    case 'boolean':
      if (op === 'pr') return sql`1`;
      if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne')) throw invalidFilter(`"${label}" is compared with eq or ne and true or false.`);
      return op === 'eq' ? sql`${column.expr} = ${value ? 1 : 0}` : sql`${column.expr} <> ${value ? 1 : 0}`;
    case 'array':
      throw invalidFilter(`"${label}" is multi-valued: filter on a sub-attribute, such as ${label}.value.`);
  }
}

/** An item of a multi-valued attribute (json_each's `value`), for `emails[type eq "work"]`. */
function itemColumn(path: AttrPath): Column {
  if (path.uri || path.sub || !/^[a-z][a-z0-9_$-]*$/.test(path.attr)) throw invalidFilter(`"${printAttrPath(path)}" is not a sub-attribute.`);
  return { kind: 'text', expr: sql`json_extract(value, ${`$.${path.attr}`})`, caseExact: false };
}

function compile(filter: Filter, resolve: (path: AttrPath) => Column | null, inItem: boolean): SQL {
  switch (filter.op) {
    case 'and':
      return sql`(${compile(filter.left, resolve, inItem)} and ${compile(filter.right, resolve, inItem)})`;
    case 'or':
      return sql`(${compile(filter.left, resolve, inItem)} or ${compile(filter.right, resolve, inItem)})`;
    case 'not':
      return sql`(not coalesce(${compile(filter.filter, resolve, inItem)}, 0))`;
    case 'has': {
      const column = inItem ? null : resolve({ ...filter.path, sub: undefined });
      if (column?.kind !== 'array') throw invalidFilter(`"${printAttrPath(filter.path)}[…]" is not supported: only a multi-valued attribute such as emails takes a filter in brackets.`);
      return sql`exists (select 1 from json_each(${column.expr}) where ${compile(filter.filter, itemColumn, true)})`;
    }
    default: {
      const label = printAttrPath(filter.path);
      const column = resolve(filter.path);
      if (!column) throw invalidFilter(`Filtering on "${label}" is not supported.`);
      const value = 'value' in filter ? filter.value : undefined;
      if (column.kind === 'array') {
        // `emails.value eq "…"` (or `emails eq "…"`): any item's value.
        const sub = itemColumn({ attr: filter.path.sub ?? 'value' });
        return sql`exists (select 1 from json_each(${column.expr}) where ${condition(sub, filter.op, value, label)})`;
      }
      return condition(column, filter.op, value, label);
    }
  }
}

/** The filter as a condition on users left-joined with scim_users. */
export function userFilterSql(filter: Filter): SQL {
  return compile(filter, userColumn, false);
}

/** The filter as a condition on the groups table; `members[value eq "…"]` and `members.value` look the user up. */
export function groupFilterSql(filter: Filter): SQL {
  return compile(filter, groupColumn, false);
}
