// Console: Groups. Every group edge-sso knows, with its members, where it comes from (pushed by
// SCIM, brought by an identity source's sign-in, or set by hand on users) and which apps' access
// rules name it. Read-only: membership is edited on each user, or by the SCIM client.
import { Hono } from 'hono';
import { groupsNamedByApps } from '../../apps/store';
import { dbOf } from '../../http/context';
import { listGroupSummaries, type GroupOrigin, type GroupSummary } from '../../users/groups';
import { DataTable } from '../../ui/table';
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

/** A group's member count, opening to the first members' emails. */
function Members(props: { group: GroupSummary }) {
  const g = props.group;
  if (g.memberCount === 0) return <>None</>;
  return (
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
  );
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
      <DataTable
        label="Groups"
        id="groups"
        rows={groups}
        empty="No groups yet."
        columns={[
          { header: 'Group', cell: (g) => g.name },
          { header: 'Members', cell: (g) => <Members group={g} /> },
          { header: 'Comes from', cell: (g) => <Origin origin={g.origin} /> },
          {
            header: 'Apps whose access rules name it',
            cell: (g) => {
              const named = appsNaming(g.name);
              return named.length === 0
                ? 'None'
                : named.map((app, i) => (
                    <>
                      {i > 0 && ', '}
                      <a href={`/admin/apps/${encodeURIComponent(app.clientId)}`}>{app.name}</a>
                    </>
                  ));
            },
          },
        ]}
      />
    </ConsolePage>,
  );
});
