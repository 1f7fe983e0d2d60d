// Console: Branding. The global look of the login, My apps, sign-out and error pages; apps
// override it on their own page. The logo can be an https URL or a PNG uploaded here.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { BRANDING_FIELDS, brandingToJson, checkBranding, compactBranding } from '../../policy/branding';
import { deleteLogoAt, storeLogo } from '../../branding/images';
import { checkLogo, LOGO_PATH_PATTERN, MAX_LOGO_BYTES } from '../../policy/logo';
import { loadGlobalBranding, saveGlobalBranding } from '../../branding/store';
import { csrfToken } from '../../http/csrf';
import { ErrorSummary, Field, PostForm, type Errors } from '../../ui/components';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { ConsolePage, noticeFrom } from './layout';
import { fieldChanges } from '../../audit/changes';

export const brandingPages = new Hono<ConsoleEnv>();

function LogoUpload(props: { c: ConsoleContext; logoUrl?: string; error?: string }) {
  const uploaded = props.logoUrl && LOGO_PATH_PATTERN.test(props.logoUrl) ? props.logoUrl : undefined;
  const csrf = csrfToken(props.c);
  return (
    <div class="card">
      <h2>Upload a logo</h2>
      {uploaded && (
        <p>
          Current logo: <img class="logo-preview" src={uploaded} alt="The uploaded logo" />
        </p>
      )}
      <PostForm action="/admin/branding/logo" csrf={csrf} enctype="multipart/form-data">
        <div class={props.error ? 'field invalid' : 'field'}>
          <label for="logo">PNG image</label>
          <input
            type="file"
            id="logo"
            name="logo"
            accept="image/png"
            required
            aria-invalid={props.error ? 'true' : undefined}
            aria-describedby={props.error ? 'logo-hint logo-error' : 'logo-hint'}
          />
          <p class="hint" id="logo-hint">
            PNG only, at most {MAX_LOGO_BYTES / 1024} KB. It is served from this site and replaces the logo URL. SVG is not accepted (it can carry scripts).
          </p>
          {props.error && (
            <p class="field-error" id="logo-error" role="alert">
              {props.error}
            </p>
          )}
        </div>
        <div class="actions">
          <button type="submit" class="inline">
            Upload logo
          </button>
        </div>
      </PostForm>
      {uploaded && (
        <PostForm action="/admin/branding/logo/remove" csrf={csrf}>
          <div class="actions">
            <button type="submit" class="secondary inline">
              Remove the uploaded logo
            </button>
          </div>
        </PostForm>
      )}
    </div>
  );
}

function BrandingForm(props: { c: ConsoleContext; values: Record<string, string>; errors: Errors; logoError?: string }) {
  const { values, errors } = props;
  return (
    <ConsolePage c={props.c} title="Branding" notice={noticeFrom(props.c)}>
      <PostForm action="/admin/branding" csrf={csrfToken(props.c)} class="card">
        <p>What people see on the login, My apps, sign-out and error pages. Empty fields use edge-sso's defaults; each application can override these on its own page.</p>
        <ErrorSummary errors={errors} />
        <Field name="product_name" label="Product name" value={values.product_name} errors={errors} placeholder="edge-sso" />
        <Field name="logo_url" label="Logo URL" value={values.logo_url} errors={errors} hint="An https image URL, or the uploaded logo (below). Shown above the form, at most 40 px high." />
        <Field
          name="primary_color"
          label="Primary colour"
          value={values.primary_color}
          errors={errors}
          placeholder="#2456d6"
          hint="A hex colour like #2456d6, used for buttons and links. Buttons have white text, so it must contrast at least 4.5:1 with white (WCAG AA)."
        />
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
      <LogoUpload c={props.c} logoUrl={values.logo_url} error={props.logoError} />
    </ConsolePage>
  );
}

brandingPages.get('/', async (c) => c.html(<BrandingForm c={c} values={brandingToJson(await loadGlobalBranding(c.env))} errors={{}} />));

brandingPages.post('/', async (c) => {
  const values = Object.fromEntries(Object.values(BRANDING_FIELDS).map((f) => [f, formText(c, f)]));
  const checked = checkBranding(values);
  if (Object.keys(checked.errors).length) return c.html(<BrandingForm c={c} values={values} errors={checked.errors} />, 400);
  const previous = await loadGlobalBranding(c.env);
  await saveGlobalBranding(c.env, compactBranding(checked.values));
  if (previous.logoUrl !== checked.values.logoUrl) await deleteLogoAt(c.env, previous.logoUrl);
  audit(c, { type: 'branding.update', actor: actorOf(c), target: 'global', detail: { changes: fieldChanges(brandingToJson(previous), brandingToJson(compactBranding(checked.values))) } });
  return c.redirect('/admin/branding?notice=saved', 303);
});

brandingPages.post('/logo', async (c) => {
  const file = c.get('form').logo;
  const current = await loadGlobalBranding(c.env);
  const refuse = (reason: string) => c.html(<BrandingForm c={c} values={brandingToJson(current)} errors={{}} logoError={reason} />, 400);
  if (!(file instanceof File)) return refuse('Choose a PNG file to upload.');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const check = checkLogo(bytes);
  if (!check.ok) return refuse(check.reason);
  const logoUrl = await storeLogo(c.env, bytes, check.contentType);
  await saveGlobalBranding(c.env, compactBranding({ ...current, logoUrl }));
  if (current.logoUrl !== logoUrl) await deleteLogoAt(c.env, current.logoUrl);
  audit(c, { type: 'branding.update', actor: actorOf(c), target: 'global', detail: { logo_url: logoUrl, bytes: bytes.length } });
  return c.redirect('/admin/branding?notice=saved', 303);
});

brandingPages.post('/logo/remove', async (c) => {
  const current = await loadGlobalBranding(c.env);
  if (current.logoUrl && LOGO_PATH_PATTERN.test(current.logoUrl)) {
    await saveGlobalBranding(c.env, compactBranding({ ...current, logoUrl: '' }));
    await deleteLogoAt(c.env, current.logoUrl);
    audit(c, { type: 'branding.update', actor: actorOf(c), target: 'global', detail: { logo_url: '' } });
  }
  return c.redirect('/admin/branding?notice=saved', 303);
});
