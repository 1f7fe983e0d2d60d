// The app form's multi-factor field (its own small piece, so the app page stays lean).
import { MFA_POLICIES } from '../../../mfa/policy';
import { Select, type Errors } from '../../../ui/components';

const LABELS = {
  off: 'Off: never ask for a second factor for this app',
  optional: 'Follow the global setting (Sign-in security)',
  required: 'Required: no token without a second factor (users without one set one up)',
} as const;

export function AppMfaSelect(props: { value?: string; errors: Errors }) {
  return (
    <Select
      name="mfa"
      label="Multi-factor sign-in"
      value={props.value || 'optional'}
      options={MFA_POLICIES.map((p) => [p, LABELS[p]] as const)}
      errors={props.errors}
      hint="With Required, a user already signed in with a password alone is asked for their second factor, not their password."
    />
  );
}
