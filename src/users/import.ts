// Bulk onboarding: creates the users of a CSV file or JSON list one by one and reports each row's outcome.
import type { Database } from '../db/client';
import { RequestError, ValidationError } from '../lib/errors';
import { csvToUserInputs, MAX_IMPORT_ROWS, type ImportRow } from './csv';
import { parseImportedUser } from './input';
import { createUser } from './store';

export interface ImportOutcome {
  line: number;
  email: string;
  created: boolean;
  /** Why the row was refused, or a note on a created user (e.g. no password). */
  message: string;
}

export async function importUsersFromCsv(db: Database, csv: string): Promise<{ outcomes: ImportOutcome[] } | { error: string }> {
  const parsed = csvToUserInputs(csv);
  if ('error' in parsed) return parsed;
  return { outcomes: await importUserRows(db, parsed.rows) };
}

/** The JSON form of an import: `{ "users": [ { "email": …, "password_hash": … }, … ] }`; `line` is the row's position (1-based). */
export async function importUsersFromJson(db: Database, body: unknown): Promise<{ outcomes: ImportOutcome[] } | { error: string }> {
  const list = body && typeof body === 'object' && 'users' in body ? (body as { users: unknown }).users : undefined;
  if (!Array.isArray(list)) return { error: 'Send { "users": [ … ] }: an array of users, each with an email.' };
  if (list.length > MAX_IMPORT_ROWS) return { error: `At most ${MAX_IMPORT_ROWS} users per import; this one has ${list.length}.` };
  return { outcomes: await importUserRows(db, list.map((input, i) => ({ line: i + 1, input: input as Record<string, unknown> }))) };
}

async function importUserRows(db: Database, rows: ImportRow[]): Promise<ImportOutcome[]> {
  const outcomes: ImportOutcome[] = [];
  for (const { line, input } of rows) {
    const email = input && typeof input === 'object' && typeof input.email === 'string' ? input.email : '';
    try {
      const user = await createUser(db, parseImportedUser(input));
      const message = input.password_hash ? 'Created with the imported password hash (replaced at the first sign-in).' : input.password ? 'Created.' : 'Created without a password: set one before the user can sign in.';
      outcomes.push({ line, email: user.email, created: true, message });
    } catch (error) {
      if (error instanceof ValidationError) {
        outcomes.push({ line, email, created: false, message: Object.entries(error.fields).map(([f, m]) => `${f} ${m}`).join('; ') });
      } else if (error instanceof RequestError) {
        outcomes.push({ line, email, created: false, message: error.message });
      } else throw error;
    }
  }
  return outcomes;
}
