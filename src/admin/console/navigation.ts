// The console's sidebar, grouped by task. One line per page: a new section adds its line here.
// A group without a heading is a top-level entry (the home, Applications, the audit log).

export interface NavGroup {
  heading?: string;
  links: readonly (readonly [href: string, label: string])[];
}

export const NAVIGATION: readonly NavGroup[] = [
  { links: [['/admin', 'Dashboard'], ['/admin/apps', 'Applications']] },
  { heading: 'People', links: [['/admin/users', 'Users'], ['/admin/groups', 'Groups'], ['/admin/onboarding', 'Onboarding'], ['/admin/provisioning', 'Provisioning']] },
  { heading: 'Sign-in', links: [['/admin/identity-sources', 'Identity sources'], ['/admin/security', 'Multi-factor'], ['/admin/protection', 'Protection']] },
  { heading: 'Settings', links: [['/admin/keys', 'Signing keys'], ['/admin/branding', 'Branding'], ['/admin/email', 'Email'], ['/admin/backup', 'Backup and move']] },
  { links: [['/admin/audit', 'Audit log']] },
];

/** Whether `href` is the section the page at `path` belongs to (the home only for itself). */
export function isCurrentSection(href: string, path: string): boolean {
  if (href === '/admin') return path === '/admin' || path === '/admin/';
  return path === href || path.startsWith(`${href}/`);
}
