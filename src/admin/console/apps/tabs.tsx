// Console: what every page of one application shares: finding it, and its tabs.
import type { App } from '../../../apps/app';
import { getApp } from '../../../apps/store';
import { dbOf } from '../../../http/context';
import { NotFoundError } from '../../../lib/errors';
import { type ConsoleContext } from '../context';

export async function findApp(c: ConsoleContext): Promise<App> {
  const app = await getApp(dbOf(c), c.req.param('clientId')!);
  if (!app) throw new NotFoundError('No such application.');
  return app;
}

export function AppTabs(props: { app: App; current: 'overview' | 'test' | 'integration' }) {
  const base = `/admin/apps/${encodeURIComponent(props.app.clientId)}`;
  const tab = (href: string, label: string, key: typeof props.current) => (
    <a href={href} aria-current={props.current === key ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <nav class="tabs" aria-label="Application">
      {tab(base, 'Overview', 'overview')}
      {tab(`${base}/test`, 'Test SSO', 'test')}
      {tab(`${base}/integration`, 'Integration', 'integration')}
    </nav>
  );
}

