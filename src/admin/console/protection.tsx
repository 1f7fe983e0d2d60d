// Console: Sign-in protection. The lockout policy in force, locked accounts, and unlocking.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { database } from '../../db/client';
import { settingsFrom } from '../../env';
import { csrfToken } from '../../http/csrf';
import { listLockouts, parseLockoutKey, unlock, type Lockout } from '../../login/throttle';
import { nowSeconds } from '../../lib/time';
import { DataTable, RowButton } from '../../ui/table';
import { actorOf, formText, type ConsoleEnv } from './context';
import { ConsolePage, noticeFrom } from './layout';

export const protectionPages = new Hono<ConsoleEnv>();

const minutes = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

protectionPages.get('/', async (c) => {
  const policy = settingsFrom(c.env).lockout;
  const lockouts = await listLockouts(database(c.env.DB));
  const now = nowSeconds();
  const csrf = csrfToken(c);
  return c.html(
    <ConsolePage c={c} title="Sign-in protection" notice={noticeFrom(c)}>
      <div class="card">
        <h2>Policy</h2>
        <p>
          Every <strong>{policy.threshold}</strong> failed sign-ins for one email address lock it for another <strong>{minutes(policy.waitIncrementSeconds)}</strong>, up to{' '}
          <strong>{minutes(policy.maxWaitSeconds)}</strong>. A client address is locked the same way after <strong>{policy.ipThreshold}</strong> failures. Failures are forgotten after{' '}
          {Math.round(policy.resetSeconds / 3600)} hours without one, and an account's on a successful sign-in.
        </p>
        <p class="muted">
          Counting is by email address, whether or not an account has it, so a lockout never tells anyone which accounts exist. Change the numbers with the LOCKOUT_* variables
          (see the README).
        </p>
      </div>
      <DataTable
        label="Locked accounts and addresses"
        id="lockouts"
        before={<h2>Locked accounts and addresses</h2>}
        rows={lockouts}
        empty="No account or address is locked."
        columns={[
          { header: 'Account email or client address', cell: (l) => describeLockout(l) },
          { header: 'Failures', cell: (l) => l.failures },
          { header: 'Locked for', cell: (l) => minutes(Math.max(0, l.lockedUntil - now)) },
          { header: '', cell: (l) => <RowButton action="/admin/protection/unlock" csrf={csrf} fields={{ key: l.key }} text="Unlock" label={`Unlock ${l.subject}`} /> },
        ]}
      />
    </ConsolePage>,
  );
});

/** What a lockout holds back, in words. */
function describeLockout(l: Lockout): string {
  switch (l.kind) {
    case 'ip':
      return `address ${l.subject}`;
    case 'mfa':
      return `second-factor codes of user ${l.subject}`;
    case 'directory': {
      const at = l.subject.indexOf(':');
      return `directory ${l.subject.slice(0, at)} entry ${l.subject.slice(at + 1)}`;
    }
    case 'anonymous':
      return `anonymous failures from address ${l.subject}`;
    default:
      return l.subject;
  }
}

protectionPages.post('/unlock', async (c) => {
  const lockout = parseLockoutKey(formText(c, 'key'));
  if (!lockout) return c.text('This is not a lockout from the Sign-in protection list: expected email:<address>, ip:<address>, mfa:<user id>, dir:<source>:<subject> or anon:<address>. Nothing was unlocked.\n', 400);
  if (await unlock(database(c.env.DB), lockout.key)) {
    audit(c, { type: 'lockout.unlock', actor: actorOf(c), target: lockout.target });
  }
  return c.redirect('/admin/protection?notice=unlocked', 303);
});
