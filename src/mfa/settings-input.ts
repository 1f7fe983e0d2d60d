// Parses the admin's MFA settings (API JSON or the console form, already as an object).
import { asObject, FieldReader } from '../lib/validation';
import { MFA_POLICIES, type MfaSettings } from './policy';

export function parseMfaSettings(body: unknown, current: MfaSettings): MfaSettings {
  const fields = new FieldReader(asObject(body));
  fields.onlyKeys(['policy', 'require_for_console']);
  const policy = fields.oneOf('policy', MFA_POLICIES);
  const requireForConsole = fields.boolean('require_for_console');
  fields.done();
  return { policy: policy ?? current.policy, requireForConsole: requireForConsole ?? current.requireForConsole };
}

export const mfaSettingsToJson = (s: MfaSettings) => ({ policy: s.policy, require_for_console: s.requireForConsole });
