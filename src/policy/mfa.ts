// The app record's `mfa` field and the global policy's values (the evaluation is src/mfa/policy.ts).
//   off       no second factor is asked (factors stay enrolled)
//   optional  users may enrol; a user with a factor is asked for it at sign-in
//   required  a user without a factor must enrol before any token is issued
export const MFA_POLICIES = ['off', 'optional', 'required'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];
