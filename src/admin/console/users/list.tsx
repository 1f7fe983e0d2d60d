// Console: Users, the list with search and paging, Add user, and the CSV import.
import { Hono } from 'hono';
import { audit } from '../../../audit/audit';
import { dbOf } from '../../../http/context';
import { parseNewUser } from '../../../users/input';
import { createUser, listUsers } from '../../../users/store';
import { userActivity } from '../../../users/activity';
import { pageNumber, Pager, SearchForm } from '../../../ui/components';
import { DataTable } from '../../../ui/table';
import { actorOf, type ConsoleEnv } from '../context';
import { importPages } from './import';
import { ConsolePage, noticeFrom } from '../layout';
import { PAGE_SIZE, userPath, utc, UserForm, submitted, toApiInput, fieldErrors } from './form';

export const userListPages = new Hono<ConsoleEnv>();

// --- List and add ------------------------------------------------------------------------------

userListPages.get('/', async (c) => {
  const search = c.req.query('q')?.trim() ?? '';
  const page = pageNumber(c.req.query('page'));
  const { users, total } = await listUsers(dbOf(c), { search: search || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const activity = await userActivity(dbOf(c), users.map((u) => u.id));
  const link = (p: number) => `/admin/users?${new URLSearchParams({ ...(search ? { q: search } : {}), page: String(p) })}`;
  return c.html(
    <ConsolePage c={c} title="Users" notice={noticeFrom(c)}>
      <div class="toolbar">
        <SearchForm action="/admin/users" value={search} label="Search users" placeholder="Email or name" />
        <div class="actions">
          <a class="button secondary inline" href="/admin/onboarding">
            Invite by email
          </a>
          <a class="button secondary inline" href="/admin/users/import">
            Import CSV
          </a>
          <a class="button inline" href="/admin/users/new">
            Add user
          </a>
        </div>
      </div>
      <DataTable
        label="Users"
        rows={users}
        empty={search ? 'No user matches.' : 'No users yet.'}
        columns={[
          {
            header: 'Email',
            cell: (user) => (
              <>
                <a href={userPath(user.id)}>{user.email}</a>
                {user.roles.includes('admin') && <span class="badge"> admin</span>}
              </>
            ),
          },
          { header: 'Name', optional: true, cell: (user) => user.name },
          { header: 'Groups', optional: true, cell: (user) => user.groups.join(', ') },
          { header: 'Last sign-in', optional: true, class: 'nowrap', cell: (user) => (activity.get(user.id)?.lastSignIn ? utc(activity.get(user.id)!.lastSignIn!) : <span class="muted">Never</span>) },
          { header: 'Sessions', optional: true, cell: (user) => activity.get(user.id)?.activeSessions ?? 0 },
          { header: 'Status', cell: (user) => (user.disabled ? <span class="badge off">Disabled</span> : <span class="badge ok">Active</span>) },
        ]}
      >
        <Pager page={page} pageSize={PAGE_SIZE} total={total} noun="user" link={link} />
      </DataTable>
    </ConsolePage>,
  );
});

userListPages.get('/new', (c) =>
  c.html(
    <ConsolePage c={c} title="Add user">
      <UserForm c={c} action="/admin/users/new" values={{}} errors={{}} creating />
    </ConsolePage>,
  ),
);

userListPages.post('/new', async (c) => {
  const values = submitted(c);
  try {
    const user = await createUser(dbOf(c), parseNewUser(toApiInput(values, true)));
    audit(c, { type: 'user.create', actor: actorOf(c), target: user.id, detail: { email: user.email } });
    return c.redirect(`${userPath(user.id)}?notice=user_created`, 303);
  } catch (error) {
    const errors = fieldErrors(error);
    if (!errors) throw error;
    return c.html(
      <ConsolePage c={c} title="Add user">
        <UserForm c={c} action="/admin/users/new" values={values} errors={errors} creating />
      </ConsolePage>,
      400,
    );
  }
});

userListPages.route('/import', importPages);
