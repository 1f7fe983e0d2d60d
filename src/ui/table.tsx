// The console's tables: a card that scrolls sideways when the table is wide (a named, focusable
// region, so keyboards can scroll it too), a sentence when there are no rows, and the row actions:
// a button that POSTs at once (with the CSRF token), or a link to a confirmation step
// (ConfirmPage) for what cannot be undone.
import type { Child } from 'hono/jsx';
import { PostForm } from './components';

export interface Column<T> {
  /** The header; empty for a column of row actions. */
  header: Child;
  cell: (row: T) => Child;
  /** Hidden on narrow screens (the stylesheet's `.optional`). */
  optional?: boolean;
  /** More classes on each cell, e.g. `nowrap`. */
  class?: string;
}

/** The header as a cell's `data-label`: a table the stylesheet stacks on phones (the audit log) shows it before each value. */
const cellLabel = <T,>(column: Column<T>) => (typeof column.header === 'string' && column.header !== '' ? column.header : undefined);

const cellClass = <T,>(column: Column<T>) => [column.optional ? 'optional' : '', column.class ?? ''].filter(Boolean).join(' ') || undefined;

export function DataTable<T>(props: {
  /** The region's accessible name, e.g. "Users". */
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  /** What the card says instead of an empty table (nothing when `before` says it already). */
  empty?: Child;
  /** The table's id (tests and links find it by that). */
  id?: string;
  /** The card's id. */
  regionId?: string;
  class?: string;
  /** Each cell carries its column's header as `data-label` (for `table.audit`'s phone layout). */
  labelCells?: boolean;
  /** Attributes of a row, e.g. `data-session`. */
  rowAttributes?: (row: T) => Record<string, string>;
  /** Inside the card, before the table (a heading) and after it (a pager). */
  before?: Child;
  children?: Child;
}) {
  return (
    <div class="card table-wrap" role="region" aria-label={props.label} tabindex={0} id={props.regionId}>
      {props.before}
      {props.rows.length === 0 ? (
        props.empty !== undefined && <p>{props.empty}</p>
      ) : (
        <table id={props.id} class={props.class}>
          <thead>
            <tr>
              {props.columns.map((column) => (
                <th class={column.optional ? 'optional' : undefined}>{column.header}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr {...(props.rowAttributes?.(row) ?? {})}>
                {props.columns.map((column) => (
                  <td data-label={props.labelCells ? cellLabel(column) : undefined} class={cellClass(column)}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.children}
    </div>
  );
}

/**
 * A row's action that takes effect at once (Unlock, End session, Approve): one POST button.
 * `fields` are hidden inputs sent with it; `label` names the row for screen readers when the
 * button's text alone ("Unlock") would not say which row it acts on.
 */
export function RowButton(props: { action: string; csrf: string; text: string; label?: string; fields?: Record<string, string>; style?: 'secondary' | 'primary'; inline?: boolean }) {
  const classes = props.inline ? `inline${props.style === 'secondary' ? ' secondary' : ''}` : `${props.style === 'primary' ? '' : 'secondary '}small`;
  return (
    <PostForm action={props.action} csrf={props.csrf} class={props.inline ? 'inline' : undefined}>
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={classes.trim()} aria-label={props.label}>
        {props.text}
      </button>
    </PostForm>
  );
}

/** A row's action that asks first (Revoke, Unlink, Disable): a link to its confirmation page. */
export function RowLink(props: { href: string; text: string; label?: string }) {
  return (
    <a class="button secondary small" href={props.href} aria-label={props.label}>
      {props.text}
    </a>
  );
}
