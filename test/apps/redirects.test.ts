// The redirect URL rules: what may be registered, and which requested URLs match a registered one.
// A redirect bypass hands an attacker a signed id_token, so the hostile cases are listed one by one
// and then thrown at the functions by the thousand with fast-check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRegisteredRedirect, describeMismatch, matchRedirect, splitRedirectList } from '../../src/apps/redirects';

const REGISTERED = 'https://app.example.com/callback';
const LOCAL = 'http://localhost:5000/cb';
const SET = [REGISTERED, LOCAL];

const registeredUrl = (input: string) => {
  const check = checkRegisteredRedirect(input);
  if (!check.ok) throw new Error(`expected "${input}" to be accepted: ${check.reason}`);
  return check.url;
};

describe('checkRegisteredRedirect', () => {
  it.each([
    ['https://app.example.com/callback', 'https://app.example.com/callback'],
    ['https://app.example.com', 'https://app.example.com/'],
    ['https://app.example.com:8443/cb?tenant=42', 'https://app.example.com:8443/cb?tenant=42'],
    ['https://APP.Example.COM/cb', 'https://app.example.com/cb'],
    ['https://app.example.com:443/cb', 'https://app.example.com/cb'],
    ['  https://app.example.com/cb  ', 'https://app.example.com/cb'],
    ['http://localhost/cb', 'http://localhost/cb'],
    ['http://localhost:5000/cb', 'http://localhost:5000/cb'],
    ['http://127.0.0.1:8080/cb', 'http://127.0.0.1:8080/cb'],
    ['http://[::1]:3000/cb', 'http://[::1]:3000/cb'],
  ])('accepts %j and stores it normalised as %j', (input, normalised) => {
    expect(checkRegisteredRedirect(input)).toEqual({ ok: true, url: normalised });
  });

  it.each([
    'http://example.com/cb',
    'http://app.example.com/callback',
    'http://127.0.0.2/cb',
    'http://10.0.0.1/cb',
    'http://localhost.evil.com/cb',
    'http://localhost./cb',
    'http://evil.com#@localhost/cb',
    'http://[::2]/cb',
  ])('refuses plain http outside loopback: %j', (input) => {
    const check = checkRegisteredRedirect(input);
    expect(check.ok).toBe(false);
  });

  it('says why plain http is refused', () => {
    const check = checkRegisteredRedirect('http://example.com/cb');
    expect(check).toEqual({ ok: false, reason: expect.stringMatching(/https/) });
  });

  it.each([
    'https://user@app.example.com/cb',
    'https://user:pass@app.example.com/cb',
    'https://:pass@app.example.com/cb',
    'http://user@localhost/cb',
  ])('refuses userinfo: %j', (input) => {
    expect(checkRegisteredRedirect(input)).toEqual({ ok: false, reason: expect.stringMatching(/user name or password/) });
  });

  it.each(['https://app.example.com/cb#frag', 'https://app.example.com/cb#', 'https://app.example.com/#/route', 'http://localhost/cb#x'])(
    'refuses a fragment, even an empty one: %j',
    (input) => {
      expect(checkRegisteredRedirect(input)).toEqual({ ok: false, reason: expect.stringMatching(/fragment/) });
    },
  );

  it.each([
    'javascript:alert(1)',
    'javascript://app.example.com/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://app.example.com/cb',
    'file:///etc/passwd',
    'custom-app://callback',
    'custom-app:/callback',
    'wss://app.example.com/cb',
    'blob:https://app.example.com/uuid',
  ])('refuses other schemes: %j', (input) => {
    expect(checkRegisteredRedirect(input).ok).toBe(false);
  });

  it.each(['/callback', 'callback', '//app.example.com/callback', 'app.example.com/callback', '?x=1', 'https://', 'https://:443/cb'])(
    'refuses relative or host-less URLs: %j',
    (input) => {
      expect(checkRegisteredRedirect(input).ok).toBe(false);
    },
  );

  it.each(['', '   ', '\t\n'])('refuses an empty URL: %j', (input) => {
    expect(checkRegisteredRedirect(input)).toEqual({ ok: false, reason: 'is empty' });
  });

  it.each([
    'https://app.example.com/call back',
    'https://app.example.com/call\tback',
    'https://app.example.com/call\nback',
    'https://app.example.com/call\rback',
    'https://app.example.com/callback\u0000',
    'https://app.example.com\\@evil.com/callback',
    'https:\\\\evil.com/callback',
    'https://app.example.com/cb\\..\\admin',
    'https://app.example.com/\u000bcb',
    'https://app.example.com/cb\u007f',
    'https://app.example.com/\u00a0cb',
  ])('refuses whitespace, control characters and backslashes inside the URL: %j', (input) => {
    expect(checkRegisteredRedirect(input).ok).toBe(false);
  });

  it('normalises idempotently: a stored URL registers again as itself', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }), (input) => {
        const first = checkRegisteredRedirect(input);
        fc.pre(first.ok);
        if (!first.ok) return;
        expect(checkRegisteredRedirect(first.url)).toEqual({ ok: true, url: first.url });
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts a URL with a fragment, userinfo, another scheme or non-loopback http', () => {
    const hostile = fc.oneof(
      fc.webUrl({ validSchemes: ['https', 'http', 'ftp', 'javascript', 'data', 'file', 'custom-app'], withFragments: true, withQueryParameters: true }),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }),
      fc
        .tuple(fc.constantFrom('https://', 'http://', 'http://localhost', 'javascript:', ''), fc.string({ unit: 'binary-ascii', maxLength: 40 }))
        .map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(hostile, (input) => {
        const check = checkRegisteredRedirect(input);
        if (!check.ok) return;
        const url = new URL(check.url);
        expect(['https:', 'http:']).toContain(url.protocol);
        if (url.protocol === 'http:') expect(['localhost', '127.0.0.1', '[::1]']).toContain(url.hostname);
        expect(url.username).toBe('');
        expect(url.password).toBe('');
        expect(check.url).not.toContain('#');
        expect(check.url).toBe(url.href);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('matchRedirect', () => {
  it('returns the registered string for an exact match', () => {
    expect(matchRedirect(SET, REGISTERED)).toBe(REGISTERED);
    expect(matchRedirect(SET, LOCAL)).toBe(LOCAL);
  });

  it('matches nothing when nothing is registered', () => {
    expect(matchRedirect([], REGISTERED)).toBeNull();
  });

  const bypasses: [string, string][] = [
    // extra path
    ['extra path segment', 'https://app.example.com/callback/extra'],
    ['extra characters in the last segment', 'https://app.example.com/callbackx'],
    ['trailing slash', 'https://app.example.com/callback/'],
    ['parent path', 'https://app.example.com/'],
    ['other path', 'https://app.example.com/admin'],
    // prefix tricks
    ['registered host as a subdomain of evil', 'https://app.example.com.evil.com/callback'],
    ['registered host as userinfo', 'https://app.example.com@evil.com/callback'],
    ['registered URL in the path of evil', 'https://evil.com/https://app.example.com/callback'],
    ['registered URL in the query of evil', 'https://evil.com?https://app.example.com/callback'],
    ['registered URL in the query of evil, with a path', 'https://evil.com/?next=https://app.example.com/callback'],
    // other port
    ['port 444', 'https://app.example.com:444/callback'],
    ['port 8443', 'https://app.example.com:8443/callback'],
    ['port 80 on https', 'https://app.example.com:80/callback'],
    ['other loopback port', 'http://localhost:5001/cb'],
    ['loopback without its port', 'http://localhost/cb'],
    // other scheme
    ['http for an https URL', 'http://app.example.com/callback'],
    ['https for an http URL', 'https://localhost:5000/cb'],
    ['ws scheme', 'wss://app.example.com/callback'],
    // userinfo
    ['user before the registered host', 'https://user@app.example.com/callback'],
    ['user and password before the registered host', 'https://user:pw@app.example.com/callback'],
    ['encoded @ in the host', 'https://app.example.com%40evil.com/callback'],
    ['encoded @ before the host', 'https://evil.com%40app.example.com/callback'],
    // encoded dots and slashes
    ['encoded slashes escaping the path', 'https://app.example.com/callback%2f..%2fevil'],
    ['encoded upper-case slashes', 'https://app.example.com/callback%2F..%2Fevil'],
    ['encoded slash at the end', 'https://app.example.com/callback%2f'],
    ['encoded path', 'https://app.example.com/%63allback'],
    ['encoded dot-dot that the parser resolves to another path', 'https://app.example.com/callback/%2e%2e/admin'],
    ['matrix dot-dot', 'https://app.example.com/callback/..;/admin'],
    ['semicolon suffix', 'https://app.example.com/callback;jsessionid=x'],
    ['encoded null byte', 'https://app.example.com/callback%00'],
    // backslashes
    ['backslash before @', 'https://app.example.com\\@evil.com/callback'],
    ['backslashes as slashes', 'https:\\\\evil.com'],
    ['backslashes as slashes to the registered host', 'https:\\\\app.example.com\\callback'],
    ['backslash in the path', 'https://app.example.com\\callback'],
    // whitespace and control characters
    ['leading space', ' https://app.example.com/callback'],
    ['trailing space', 'https://app.example.com/callback '],
    ['trailing newline', 'https://app.example.com/callback\n'],
    ['leading tab', '\thttps://app.example.com/callback'],
    ['embedded tab', 'https://app.example.com/call\tback'],
    ['embedded newline', 'https://app.exa\nmple.com/callback'],
    ['embedded carriage return', 'https://app.example.com/\rcallback'],
    ['leading NUL', '\u0000https://app.example.com/callback'],
    ['no-break space', 'https://app.example.com/callback\u00a0'],
    // scheme-relative and relative
    ['scheme-relative to evil', '//evil.com/callback'],
    ['scheme-relative to the registered host', '//app.example.com/callback'],
    ['path only', '/callback'],
    ['empty', ''],
    // javascript and data
    ['javascript URL mentioning the registered URL', 'javascript:alert(1)//https://app.example.com/callback'],
    ['javascript URL with a newline', 'javascript://app.example.com/callback%0aalert(1)'],
    ['data URL', 'data:text/html,https://app.example.com/callback'],
    // look-alike hosts
    ['digit 1 for letter l', 'https://app.examp1e.com/callback'],
    ['Cyrillic а (IDN homograph)', 'https://\u0430pp.example.com/callback'],
    ['trailing dot on the host', 'https://app.example.com./callback'],
    ['other subdomain', 'https://www.app.example.com/callback'],
    ['parent domain', 'https://example.com/callback'],
    ['IP address', 'https://93.184.216.34/callback'],
    // fragment and query
    ['fragment appended', 'https://app.example.com/callback#x'],
    ['empty fragment appended', 'https://app.example.com/callback#'],
    ['query appended', 'https://app.example.com/callback?x=1'],
    ['empty query appended', 'https://app.example.com/callback?'],
    // case
    ['upper-case path', 'https://app.example.com/Callback'],
    ['upper-case path, fully', 'https://app.example.com/CALLBACK'],
  ];

  it.each(bypasses)('does not match: %s (%j)', (_, requested) => {
    expect(matchRedirect(SET, requested)).toBeNull();
  });

  it('matches none of the bypasses against any registered URL, and never returns the attacker string', () => {
    for (const [, requested] of bypasses) {
      const result = matchRedirect(SET, requested);
      expect(result === null || SET.includes(result)).toBe(true);
    }
  });

  it.each([
    ['dot-dot resolved by the parser', 'https://app.example.com/x/../callback'],
    ['single dot resolved by the parser', 'https://app.example.com/./callback'],
    ['encoded dot-dot resolved by the parser', 'https://app.example.com/x/%2e%2e/callback'],
    ['upper-case host, which the parser lower-cases', 'https://APP.EXAMPLE.COM/callback'],
    ['upper-case scheme', 'HTTPS://app.example.com/callback'],
    ['explicit default port', 'https://app.example.com:443/callback'],
    ['no slashes after a special scheme', 'https:app.example.com/callback'],
    ['empty userinfo, which the parser drops', 'https://:@app.example.com/callback'],
  ])('treats a spelling the URL parser normalises to the registered URL as that URL: %s, and returns the registered string', (_, requested) => {
    expect(new URL(requested).href).toBe(REGISTERED);
    const result = matchRedirect(SET, requested);
    expect(result).toBe(REGISTERED);
    expect(result).not.toBe(requested);
  });

  it('matches a registered URL with a query only with the same query', () => {
    const registered = [registeredUrl('https://app.example.com/cb?tenant=42')];
    expect(matchRedirect(registered, 'https://app.example.com/cb?tenant=42')).toBe(registered[0]);
    expect(matchRedirect(registered, 'https://app.example.com/cb?tenant=43')).toBeNull();
    expect(matchRedirect(registered, 'https://app.example.com/cb?tenant=42&next=https://evil.com')).toBeNull();
    expect(matchRedirect(registered, 'https://app.example.com/cb')).toBeNull();
  });

  it('picks the right one of several registered URLs', () => {
    const registered = ['https://a.example.com/one', 'https://a.example.com/two', 'http://127.0.0.1:8000/three'];
    expect(matchRedirect(registered, 'https://a.example.com/two')).toBe('https://a.example.com/two');
    expect(matchRedirect(registered, 'http://127.0.0.1:8000/three')).toBe('http://127.0.0.1:8000/three');
    expect(matchRedirect(registered, 'http://localhost:8000/three')).toBeNull();
  });

  // --- Properties ---------------------------------------------------------------------------

  const httpsUrl = fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }).filter((u) => checkRegisteredRedirect(u).ok);
  const registeredSet = fc.array(httpsUrl.map(registeredUrl), { minLength: 0, maxLength: 5 });

  /** Strings an attacker might send: random text, URLs, and registered URLs with hostile edits. */
  const hostileChars = fc.constantFrom('@', '\\', '/', '%2f', '%2F', '%2e', '..', ';', ' ', '\t', '\n', '#', '?', ':', '.', '%40', '%00', '//', 'а', 'A', 'x');
  const edit = (registered: fc.Arbitrary<string>) =>
    fc
      .tuple(registered, fc.nat(), hostileChars, fc.boolean())
      .map(([u, at, text, replace]) => {
        const i = at % (u.length + 1);
        return u.slice(0, i) + text + u.slice(replace ? i + 1 : i);
      });

  it('(a) returns null or an element of the registered set, never anything else', () => {
    fc.assert(
      fc.property(
        registeredSet,
        fc.oneof(fc.string(), fc.webUrl({ withFragments: true, withQueryParameters: true }), edit(httpsUrl.map(registeredUrl))),
        (registered, requested) => {
          const result = matchRedirect(registered, requested);
          if (result !== null) expect(registered).toContain(result);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('(b) a match means the requested URL parses to exactly the registered URL', () => {
    const edits = fc.array(fc.tuple(fc.nat(), hostileChars, fc.boolean()), { minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(registeredSet.filter((s) => s.length > 0), fc.nat(), edits, (registered, pick, changes) => {
        let requested = registered[pick % registered.length]!;
        for (const [at, text, replace] of changes) {
          const i = at % (requested.length + 1);
          requested = requested.slice(0, i) + text + requested.slice(replace ? i + 1 : i);
        }
        const result = matchRedirect(registered, requested);
        if (result !== null) {
          expect(new URL(requested).href).toBe(result);
          expect(registered).toContain(result);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('(c) every registered URL matches itself, both as registered and as typed', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }),
        fc.webUrl({ validSchemes: ['https'] }),
        (typed, other) => {
          const check = checkRegisteredRedirect(typed);
          fc.pre(check.ok);
          if (!check.ok) return;
          const stored = check.url;
          const registered = checkRegisteredRedirect(other).ok ? [registeredUrl(other), stored] : [stored];
          expect(matchRedirect([stored], stored)).toBe(stored);
          expect(matchRedirect(registered, typed.trim())).toBe(stored);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('(c) loopback http URLs match themselves', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('localhost', '127.0.0.1', '[::1]'),
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        fc.webPath(),
        (host, port, path) => {
          const typed = `http://${host}${port === undefined ? '' : `:${port}`}${path}`;
          const check = checkRegisteredRedirect(typed);
          fc.pre(check.ok);
          if (!check.ok) return;
          expect(matchRedirect([check.url], typed)).toBe(check.url);
        },
      ),
      { numRuns: 1000 },
    );
  });

  const segment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,12}$/);

  it('(d) appending a path segment never matches', () => {
    fc.assert(
      fc.property(httpsUrl.map(registeredUrl), segment, fc.boolean(), (registered, seg, asNewSegment) => {
        const url = new URL(registered);
        const requested = `${url.origin}${url.pathname}${asNewSegment && !url.pathname.endsWith('/') ? '/' : ''}${seg}${url.search}`;
        expect(matchRedirect([registered], requested)).toBeNull();
      }),
      { numRuns: 1500 },
    );
  });

  it('(d) changing the port never matches', () => {
    fc.assert(
      fc.property(httpsUrl.map(registeredUrl), fc.integer({ min: 1, max: 65535 }), (registered, port) => {
        const url = new URL(registered);
        fc.pre(String(port) !== url.port && !(port === 443 && url.port === ''));
        const requested = `https://${url.hostname}:${port}${url.pathname}${url.search}`;
        expect(matchRedirect([registered], requested)).toBeNull();
      }),
      { numRuns: 1500 },
    );
  });

  it('(d) changing a host label never matches', () => {
    fc.assert(
      fc.property(httpsUrl.map(registeredUrl), fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/), fc.nat(), (registered, label, which) => {
        const url = new URL(registered);
        const labels = url.hostname.split('.');
        const i = which % labels.length;
        fc.pre(labels[i] !== label);
        labels[i] = label;
        const requested = `${url.protocol}//${labels.join('.')}${url.port ? `:${url.port}` : ''}${url.pathname}${url.search}`;
        fc.pre(!URL.canParse(requested) || new URL(requested).hostname !== url.hostname);
        expect(matchRedirect([registered], requested)).toBeNull();
      }),
      { numRuns: 1500 },
    );
  });

  it('(d) prefixing or suffixing the host never matches', () => {
    fc.assert(
      fc.property(httpsUrl.map(registeredUrl), fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.boolean(), (registered, label, before) => {
        const url = new URL(registered);
        const host = before ? `${label}.${url.host}` : `${url.hostname}.${label}${url.port ? `:${url.port}` : ''}`;
        const requested = `https://${host}${url.pathname}${url.search}`;
        expect(matchRedirect([registered], requested)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it('never matches a string containing whitespace, control characters or a backslash', () => {
    fc.assert(
      fc.property(
        httpsUrl.map(registeredUrl),
        fc.nat(),
        fc.constantFrom(' ', '\t', '\n', '\r', '\u000b', '\f', '\u0000', '\u001f', '\u007f', '\\', '\u00a0', '\u2028', '\u3000'),
        (registered, at, bad) => {
          const i = at % (registered.length + 1);
          expect(matchRedirect([registered], registered.slice(0, i) + bad + registered.slice(i))).toBeNull();
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('splitRedirectList', () => {
  it('splits one string on ";" and new lines, trimming and dropping empties', () => {
    expect(splitRedirectList('https://a.example.com/1; https://a.example.com/2')).toEqual(['https://a.example.com/1', 'https://a.example.com/2']);
    expect(splitRedirectList('https://a.example.com/1\nhttps://a.example.com/2\r\n https://a.example.com/3 ;;\n')).toEqual([
      'https://a.example.com/1',
      'https://a.example.com/2',
      'https://a.example.com/3',
    ]);
    expect(splitRedirectList('https://a.example.com/only')).toEqual(['https://a.example.com/only']);
    expect(splitRedirectList('')).toEqual([]);
    expect(splitRedirectList(' ; \n ')).toEqual([]);
  });

  it('takes an array of strings as it is', () => {
    expect(splitRedirectList(['https://a.example.com/1', 'https://a.example.com/2'])).toEqual(['https://a.example.com/1', 'https://a.example.com/2']);
    expect(splitRedirectList([])).toEqual([]);
  });

  it.each([[null], [undefined], [42], [true], [{ url: 'https://a.example.com' }], [['https://a.example.com', 1]], [[null]], [[['https://a.example.com']]]])(
    'refuses anything else: %j',
    (value) => {
      expect(splitRedirectList(value)).toBeNull();
    },
  );

  it('every piece of a joined list comes back, in order', () => {
    fc.assert(
      fc.property(fc.array(httpsUrlNoSeparators(), { maxLength: 8 }), fc.constantFrom(';', '\n', '; ', ' ;\n'), (urls, sep) => {
        expect(splitRedirectList(urls.join(sep))).toEqual(urls);
      }),
      { numRuns: 500 },
    );
  });
});

function httpsUrlNoSeparators() {
  return fc.webUrl({ validSchemes: ['https'] }).filter((u) => !/[;\n]/.test(u) && u.trim() === u);
}

describe('describeMismatch', () => {
  it.each([
    ['path', 'https://app.example.com/callback/extra', /path is "\/callback\/extra", registered "\/callback"/],
    ['port', 'https://app.example.com:8443/callback', /port is "8443", registered ""/],
    ['host', 'https://evil.example.com/callback', /host is "evil.example.com", registered "app.example.com"/],
    ['scheme', 'http://app.example.com/callback', /scheme is "http:", registered "https:"/],
    ['query', 'https://app.example.com/callback?x=1', /query is "\?x=1", registered ""/],
    ['fragment', 'https://app.example.com/callback#x', /fragment is "#x", registered ""/],
    ['user info', 'https://eve@app.example.com/callback', /user info is "eve:"/],
  ])('names the differing %s', (_part, requested, message) => {
    const text = describeMismatch([REGISTERED], requested);
    expect(text).toMatch(message);
    expect(text).toContain(`Closest registered URL: ${REGISTERED}`);
    // Only the one differing part is named.
    expect(text.match(/ is "/g)).toHaveLength(1);
  });

  it('compares with the closest registered URL', () => {
    const text = describeMismatch(['https://other.example.org:9000/x', REGISTERED], 'https://app.example.com/callbak');
    expect(text).toContain(`Closest registered URL: ${REGISTERED}`);
    expect(text).toMatch(/path is "\/callbak"/);
  });

  it('explains unusable requests and apps without URLs', () => {
    expect(describeMismatch([REGISTERED], 'https://app.example.com/call back')).toMatch(/spaces, control characters or backslashes/);
    expect(describeMismatch([REGISTERED], 'https://app.example.com\\@evil.com/')).toMatch(/backslashes/);
    expect(describeMismatch([REGISTERED], '/callback')).toMatch(/not an absolute URL/);
    expect(describeMismatch([], REGISTERED)).toMatch(/no registered redirect URLs/);
  });

  it('never throws, whatever is requested', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withFragments: true, withQueryParameters: true })), (requested) => {
        expect(typeof describeMismatch(SET, requested)).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });
});
