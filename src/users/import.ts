// Bulk onboarding: creates the users of a CSV file one by one and reports each row's outcome.
import type { Database } from '../db/client';
import { RequestError, ValidationError } from '../lib/errors';
import { csvToUserInputs } from './csv';
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
  const outcomes: ImportOutcome[] = [];
  for (const { line, input } of parsed.rows) {
    const email = typeof input.email === 'string' ? input.email : '';
    try {
      const user = await createUser(db, parseImportedUser(input));
      outcomes.push({ line, email: user.email, created: true, message: input.password ? 'Created.' : 'Created without a password: set one before the user can sign in.' });
    } catch (error) {
      if (error instanceof ValidationError) {
        outcomes.push({ line, email, created: false, message: Object.entries(error.fields).map(([f, m]) => `${f} ${m}`).join('; ') });
      } else if (error instanceof RequestError) {
        outcomes.push({ line, email, created: false, message: error.message });
      } else throw error;
    }
  }
  return { outcomes };
}
