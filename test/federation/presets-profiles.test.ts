// What each OAuth2 preset makes of its provider's documented responses, and GitHub's email rule:
// the email is the verified primary address, never an unverified or a secondary one (a secondary
// address can be added to any account without proving much, so it must never stand in for the
// account when edge-sso links users by email).
//
// The samples follow the providers' documentation:
// - GitHub GET /user: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
// - GitHub GET /user/emails: https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
// - Facebook Graph /me and the User fields: https://developers.facebook.com/docs/graph-api/reference/user/
// - Facebook appsecret_proof: https://developers.facebook.com/docs/graph-api/securing-requests/#appsecret_proof
// - X GET /2/users/me (user.fields incl. confirmed_email): https://docs.x.com/x-api/users/get-my-user
// - X scopes (users.email): https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appSecretProof, parseFacebookProfile } from '../../src/federation/presets/facebook';
import { github, githubUrls, parseGithubProfile, selectGithubEmail, type GithubEmail } from '../../src/federation/presets/github';
import { parseXProfile, xEmailGranted, xMeUrl } from '../../src/federation/presets/x';
import type { OAuth2Protocol, PresetContext } from '../../src/federation/types';

// The documented GET /user response (trimmed to the fields edge-sso reads, plus a few it ignores).
const GITHUB_USER = {
  login: 'octocat',
  id: 1,
  node_id: 'MDQ6VXNlcjE=',
  avatar_url: 'https://github.com/images/error/octocat_happy.gif',
  type: 'User',
  site_admin: false,
  name: 'monalisa octocat',
  company: 'GitHub',
  email: 'octocat@github.com',
};
// The documented GET /user/emails response.
const GITHUB_EMAILS: GithubEmail[] = [{ email: 'octocat@github.com', verified: true, primary: true, visibility: 'public' }];

describe('GitHub email selection', () => {
  it('takes the documented verified primary address', () => {
    expect(selectGithubEmail(GITHUB_EMAILS)).toBe('octocat@github.com');
  });

  it('never takes an unverified primary address, nor falls back to a verified secondary one', () => {
    expect(
      selectGithubEmail([
        { email: 'victim@example.com', primary: true, verified: false, visibility: 'private' },
        { email: 'other@example.com', primary: false, verified: true, visibility: null },
      ]),
    ).toBeUndefined();
  });

  it('ignores secondary addresses even when verified and listed first', () => {
    expect(
      selectGithubEmail([
        { email: 'secondary@example.com', primary: false, verified: true, visibility: null },
        { email: 'main@example.com', primary: true, verified: true, visibility: 'private' },
      ]),
    ).toBe('main@example.com');
  });

  it.each([
    ['no addresses', []],
    ['not an array (an error body)', { message: 'Requires authentication' }],
    ['verified as a string', [{ email: 'a@example.com', primary: true, verified: 'true' }]],
    ['two primary addresses', [{ email: 'a@example.com', primary: true, verified: true }, { email: 'b@example.com', primary: true, verified: true }]],
    ['a primary entry without an address', [{ primary: true, verified: true }]],
  ])('gives no email for %s', (_, emails) => {
    expect(selectGithubEmail(emails)).toBeUndefined();
  });

  const entry = fc.record({
    email: fc.emailAddress(),
    primary: fc.oneof(fc.boolean(), fc.constantFrom<unknown>('true', 1, null)),
    verified: fc.oneof(fc.boolean(), fc.constantFrom<unknown>('true', 1, null)),
    visibility: fc.constantFrom('public', 'private', null),
  });

  it('property: the chosen address is always the one primary entry, and that entry is verified', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (emails) => {
        const chosen = selectGithubEmail(emails);
        const primaries = emails.filter((e) => e.primary === true);
        if (chosen === undefined) {
          expect(primaries.length === 1 && primaries[0]!.verified === true).toBe(false);
        } else {
          expect(primaries).toHaveLength(1);
          expect(primaries[0]).toMatchObject({ email: chosen, verified: true });
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('GitHub profile', () => {
  it('links by the numeric account id and keeps the login as the username', () => {
    const profile = parseGithubProfile(GITHUB_USER, GITHUB_EMAILS);
    expect(profile).toMatchObject({
      subject: '1',
      email: 'octocat@github.com',
      email_verified: true,
      name: 'monalisa octocat',
      username: 'octocat',
      groups: [],
    });
    expect(profile.raw).toMatchObject({ login: 'octocat', emails: GITHUB_EMAILS });
  });

  it('does not use the public profile email from /user when /user/emails has no verified primary', () => {
    const profile = parseGithubProfile(GITHUB_USER, [{ email: 'octocat@github.com', primary: true, verified: false }]);
    expect(profile.email).toBeUndefined();
    expect(profile.email_verified).toBe(false);
  });

  it('refuses a /user answer without an id', () => {
    expect(() => parseGithubProfile({ login: 'octocat' }, GITHUB_EMAILS)).toThrow(/id/);
    expect(() => parseGithubProfile(null, GITHUB_EMAILS)).toThrow();
  });

  it('uses github.com, or the Enterprise Server URL form', () => {
    const ctx = (config: PresetContext['config']): PresetContext => ({ config, secrets: { client_secret: 's' }, client_id: 'c' });
    const protocol = github.protocol as OAuth2Protocol;
    expect(githubUrls(ctx({}))).toEqual({ web: 'https://github.com', api: 'https://api.github.com' });
    expect(protocol.authorization_endpoint(ctx({}))).toBe('https://github.com/login/oauth/authorize');
    expect(protocol.token_endpoint(ctx({}))).toBe('https://github.com/login/oauth/access_token');
    const ghes = ctx({ enterprise_url: 'https://github.example.com/' });
    expect(githubUrls(ghes)).toEqual({ web: 'https://github.example.com', api: 'https://github.example.com/api/v3' });
    expect(protocol.authorization_endpoint(ghes)).toBe('https://github.example.com/login/oauth/authorize');
    expect(protocol.token_endpoint(ghes)).toBe('https://github.example.com/login/oauth/access_token');
    expect(github.default_scopes).toEqual(['read:user', 'user:email']);
  });
});

describe('Facebook profile', () => {
  it('reads /me?fields=id,name,email,first_name,last_name', () => {
    const profile = parseFacebookProfile({ id: '10158012345678901', name: 'Jane Doe', email: 'jane@example.com', first_name: 'Jane', last_name: 'Doe' });
    expect(profile).toMatchObject({ subject: '10158012345678901', email: 'jane@example.com', name: 'Jane Doe', given_name: 'Jane', family_name: 'Doe', groups: [] });
  });

  it('never counts Facebook’s email as verified (Facebook does not say)', () => {
    expect(parseFacebookProfile({ id: '1', email: 'jane@example.com' }).email_verified).toBe(false);
  });

  it('signs in without an email when the person has none or declined the permission', () => {
    expect(parseFacebookProfile({ id: '1', name: 'No Mail' })).toMatchObject({ subject: '1', email: undefined });
  });

  it('refuses an answer without an id (for example a Graph error object)', () => {
    expect(() => parseFacebookProfile({ error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } })).toThrow(/id/);
  });

  it('computes appsecret_proof as the hex HMAC-SHA256 of the token keyed by the app secret', async () => {
    // HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog"), a published test vector.
    expect(await appSecretProof('The quick brown fox jumps over the lazy dog', 'key')).toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });
});

describe('X profile', () => {
  it('reads the documented /2/users/me answer', () => {
    const profile = parseXProfile({ data: { id: '2244994945', name: 'X Dev', username: 'TwitterDev' } });
    expect(profile).toMatchObject({ subject: '2244994945', name: 'X Dev', username: 'TwitterDev', email: undefined, email_verified: false });
  });

  it('takes confirmed_email, when present, as a verified address', () => {
    expect(parseXProfile({ data: { id: '1', name: 'A', username: 'a', confirmed_email: 'a@example.com' } })).toMatchObject({ email: 'a@example.com', email_verified: true });
  });

  it('asks for confirmed_email only when the users.email scope was granted', () => {
    expect(xEmailGranted({ scope: 'users.read tweet.read users.email' })).toBe(true);
    expect(xEmailGranted({ scope: 'users.read tweet.read' })).toBe(false);
    expect(xEmailGranted({})).toBe(false);
    expect(new URL(xMeUrl(true)).searchParams.get('user.fields')).toBe('id,name,username,confirmed_email');
    expect(new URL(xMeUrl(false)).searchParams.get('user.fields')).toBe('id,name,username');
    expect(new URL(xMeUrl(false)).origin + new URL(xMeUrl(false)).pathname).toBe('https://api.x.com/2/users/me');
  });

  it('refuses an answer without data.id (for example an errors-only answer)', () => {
    expect(() => parseXProfile({ errors: [{ title: 'Unauthorized', status: 401 }] })).toThrow(/data/);
    expect(() => parseXProfile({ data: { name: 'no id' } })).toThrow(/id/);
  });
});
