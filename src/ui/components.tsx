// Form pieces shared by the console's pages: labelled fields that show their error next to them
// and keep what the admin typed.
import type { Child } from 'hono/jsx';
import { CSRF_FIELD } from '../http/csrf';

export type Errors = Record<string, string | undefined>;

interface FieldProps {
  name: string;
  label: string;
  value?: string;
  errors?: Errors;
  hint?: Child;
  type?: 'text' | 'email' | 'password' | 'number' | 'url';
  required?: boolean;
  placeholder?: string;
  autocomplete?: string;
}

function describedBy(name: string, errors?: Errors, hint?: Child) {
  return [hint ? `${name}-hint` : '', errors?.[name] ? `${name}-error` : ''].filter(Boolean).join(' ') || undefined;
}

function FieldNotes(props: { name: string; errors?: Errors; hint?: Child }) {
  return (
    <>
      {props.hint && (
        <p class="hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      )}
      {props.errors?.[props.name] && (
        <p class="field-error" id={`${props.name}-error`}>
          {props.errors[props.name]}
        </p>
      )}
    </>
  );
}

export function Field(props: FieldProps) {
  return (
    <div class={props.errors?.[props.name] ? 'field invalid' : 'field'}>
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        required={props.required}
        placeholder={props.placeholder}
        autocomplete={props.autocomplete}
        aria-invalid={props.errors?.[props.name] ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.errors, props.hint)}
      />
      <FieldNotes name={props.name} errors={props.errors} hint={props.hint} />
    </div>
  );
}

export function TextArea(props: Omit<FieldProps, 'type'> & { rows?: number }) {
  return (
    <div class={props.errors?.[props.name] ? 'field invalid' : 'field'}>
      <label for={props.name}>{props.label}</label>
      <textarea
        id={props.name}
        name={props.name}
        rows={props.rows ?? 3}
        required={props.required}
        placeholder={props.placeholder}
        aria-invalid={props.errors?.[props.name] ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.errors, props.hint)}
      >
        {props.value ?? ''}
      </textarea>
      <FieldNotes name={props.name} errors={props.errors} hint={props.hint} />
    </div>
  );
}

export function Select(props: { name: string; label: string; value?: string; options: readonly (readonly [string, string])[]; errors?: Errors; hint?: Child }) {
  return (
    <div class={props.errors?.[props.name] ? 'field invalid' : 'field'}>
      <label for={props.name}>{props.label}</label>
      <select id={props.name} name={props.name} aria-describedby={describedBy(props.name, props.errors, props.hint)}>
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
      <FieldNotes name={props.name} errors={props.errors} hint={props.hint} />
    </div>
  );
}

export function Checkbox(props: { name: string; label: string; checked?: boolean; value?: string }) {
  return (
    <div class="field checkbox">
      <input type="checkbox" id={props.name} name={props.name} value={props.value ?? 'on'} checked={props.checked} />
      <label for={props.name}>{props.label}</label>
    </div>
  );
}

/** A POST form with the CSRF token in it. */
export function PostForm(props: { action: string; csrf: string; children: Child; class?: string; enctype?: 'multipart/form-data' }) {
  return (
    <form method="post" action={props.action} class={props.class} enctype={props.enctype}>
      <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
      {props.children}
    </form>
  );
}

export function ErrorSummary(props: { errors?: Errors }) {
  const messages = Object.entries(props.errors ?? {}).filter(([, m]) => m);
  if (messages.length === 0) return null;
  return (
    <div class="alert" role="alert">
      Please fix {messages.length === 1 ? 'the field' : `the ${messages.length} fields`} marked below.
    </div>
  );
}

/** A value with a button that copies it (the console's script wires up [data-copy]). */
export function Copyable(props: { value: string; label: string; id?: string }) {
  return (
    <div class="copyable">
      <code id={props.id}>{props.value}</code>
      <button type="button" class="secondary small" data-copy={props.value} aria-label={`Copy ${props.label}`}>
        Copy
      </button>
    </div>
  );
}

/** The search box above a list. */
export function SearchForm(props: { action: string; value: string; label: string; placeholder: string }) {
  return (
    <form method="get" action={props.action} role="search">
      <label for="q" class="visually-hidden">
        {props.label}
      </label>
      <input type="search" id="q" name="q" value={props.value} placeholder={props.placeholder} />
      <button type="submit" class="secondary small">
        Search
      </button>
    </form>
  );
}

/** "N things · page p of n" with links to the neighbouring pages. */
export function Pager(props: { page: number; pageSize: number; total: number; noun: string; link: (page: number) => string; previous?: string; next?: string }) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <nav class="pager" aria-label="Pages">
      <span class="muted">
        {props.total} {props.noun}
        {props.total === 1 ? '' : 's'} · page {props.page} of {pages}
      </span>
      {props.page > 1 && <a href={props.link(props.page - 1)}>{props.previous ?? 'Previous'}</a>}
      {props.page < pages && <a href={props.link(props.page + 1)}>{props.next ?? 'Next'}</a>}
    </nav>
  );
}

/** The page number in `?page=`, 1 when absent or nonsense. */
export function pageNumber(raw: string | undefined): number {
  return Math.max(1, Math.min(10_000, Number.parseInt(raw ?? '1', 10) || 1));
}
