// Console: Branding. The global look of the login page; apps override it on their own page.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { BRANDING_FIELDS, brandingToJson, checkBranding, compactBranding } from '../../branding/branding';
import { loadGlobalBranding, saveGlobalBranding } from '../../branding/store';
import { csrfToken } from '../../http/csrf';
import { ErrorSummary, Field, PostForm, type Errors } from '../../ui/components';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { ConsolePage, noticeFrom } from './layout';

export const brandingPages = new Hono<ConsoleEnv>();

function BrandingForm(props: { c: ConsoleContext; values: Record<string, string>; errors: Errors }) {
  const { values, errors } = props;
  return (
    <ConsolePage c={props.c} title="Branding" notice={noticeFrom(props.c)}>
      <PostForm action="/admin/branding" csrf={csrfToken(props.c)} class="card">
        <p>What people see on the login page. Empty fields use edge-sso's defaults; each application can override these on its own page.</p>
        <ErrorSummary errors={errors} />
        <Field name="product_name" label="Product name" value={values.product_name} errors={errors} placeholder="edge-sso" />
        <Field name="logo_url" label="Logo URL" value={values.logo_url} errors={errors} hint="An https image URL, shown above the form (at most 40 px high)." />
        <Field name="primary_color" label="Primary colour" value={values.primary_color} errors={errors} placeholder="#2456d6" hint="A hex colour like #2456d6, used for buttons and links." />
        <Field name="footer_text" label="Footer link text" value={values.footer_text} errors={errors} placeholder="Help" />
        <Field name="footer_url" label="Footer link URL" value={values.footer_url} errors={errors} hint="An https URL, e.g. your help desk." />
        <div class="actions">
          <button type="submit" class="inline">
            Save branding
          </button>
          <a class="button secondary inline" href="/login" target="_blank" rel="noopener">
            Preview the login page
          </a>
        </div>
      </PostForm>
    </ConsolePage>
  );
}

brandingPages.get('/', async (c) => c.html(<BrandingForm c={c} values={brandingToJson(await loadGlobalBranding(c.env))} errors={{}} />));

brandingPages.post('/', async (c) => {
  const values = Object.fromEntries(Object.values(BRANDING_FIELDS).map((f) => [f, formText(c, f)]));
  const checked = checkBranding(values);
  if (Object.keys(checked.errors).length) return c.html(<BrandingForm c={c} values={values} errors={checked.errors} />, 400);
  await saveGlobalBranding(c.env, compactBranding(checked.values));
  audit(c, { type: 'branding.update', actor: actorOf(c), target: 'global' });
  return c.redirect('/admin/branding?notice=saved', 303);
});
