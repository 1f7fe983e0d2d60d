import type { Context } from 'hono';
import type { AppEnv } from '../../http/context';

/** The console's routes share the app's environment; the gate (./auth.tsx) sets `admin` and `form`. */
export type ConsoleEnv = AppEnv;
export type ConsoleContext = Context<ConsoleEnv>;

/** A form value as a trimmed string ('' when absent or a file). */
export function formText(c: ConsoleContext, name: string): string {
  const value = c.get('form')[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** The signed-in admin's user id, the actor of the console's audit events. */
export const actorOf = (c: ConsoleContext) => c.get('admin').userId;
