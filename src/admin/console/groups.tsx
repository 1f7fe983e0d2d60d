// Console: Groups. Every group edge-sso knows, with its members, where it comes from (pushed by
// SCIM, brought by an identity source's sign-in, or set by hand on users) and which apps' access
// rules name it. Read-only: membership is edited on each user, or by the SCIM client.
import { Hono } from 'hono';
import { groupsNamedByApps } from '../../apps/store';
import { dbOf } from '../../http/context';
import { listGroupSummaries, type GroupOrigin } from '../../users/groups';
import type { ConsoleEnv } from './context';
import { ConsolePage } from './layout';

export const groupPages = new Hono<ConsoleEnv>();

const MEMBERS_SHOWN = 50;

function Origin(props: { origin: GroupOrigin }) {
  switch (props.origin.kind) {
    case 'scim':
      return <span class="badge ok">SCIM</span>;
    case 'source':
      return (
        <span>
          Identity source <a href={`/admin/identity-sources/${encodeURIComponent(props.origin.source)}`}>{props.origin.source}</a>
        </span>
      );
    case 'manual':
      return <span>Set by hand</span>;
  }
}

groupPages.get('/', async (c) => {
  const db = dbOf(c);
  const [groups, rules] = await Promise.all([listGroupSummaries(db, MEMBERS_SHOWN), groupsNamedByApps(db)]);
  // Groups named only by an access rule exist too: no member has them yet.
  const known = new Set(groups.map((g) => g.name));
  for (const rule of rules) for (const name of rule.groups) if (!known.has(name)) (known.add(name), groups.push({ name, origin: { kind: 'manual' }, memberCount: 0, members: [] }));
  groups.sort((a, b) => a.name.localeCompare(b.name));
  const appsNaming = (name: string) => rules.filter((r) => r.groups.includes(name));
  return c.html(
    <ConsolePage c={c} title="Groups">
      <p class="muted">
        Groups come from SCIM provisioning (Entra ID, Okta: see <a href="/admin/provisioning">Provisioning</a>), from an identity source’s group claim at sign-in, or are set by
        hand on each user. Access rules name them; tokens carry them in <code>groups</code>.
      </p>
      <div class="card table-wrap" role="region" aria-label="Groups" tabindex={0}>
        {groups.length === 0 ? (
          <p>No groups yet.</p>
        ) : (
          <table id="groups">
            <thead>
              <tr>
                <th>Group</th>
                <th>Members</th>
                <th>Comes from</th>
                <th>Apps whose access rules name it</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => {
                const named = appsNaming(g.name);
                return (
                  <tr>
                    <td>{g.name}</td>
                    <td>
                      {g.memberCount === 0 ? (
                        'None'
                      ) : (
                        <details>
                          <summary>
                            {g.memberCount} {g.memberCount === 1 ? 'member' : 'members'}
                          </summary>
                          <ul>
                            {g.members.map((m) => (
                              <li>
                                <a href={`/admin/users/${encodeURIComponent(m.id)}`}>{m.email}</a>
                              </li>
                            ))}
                          </ul>
                          {g.memberCount > g.members.length && <p class="hint">and {g.memberCount - g.members.length} more.</p>}
                        </details>
                      )}
                    </td>
                    <td>
                      <Origin origin={g.origin} />
                    </td>
                    <td>
                      {named.length === 0
                        ? 'None'
                        : named.map((app, i) => (
                            <>
                              {i > 0 && ', '}
                              <a href={`/admin/apps/${encodeURIComponent(app.clientId)}`}>{app.name}</a>
                            </>
                          ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </ConsolePage>,
  );
});
