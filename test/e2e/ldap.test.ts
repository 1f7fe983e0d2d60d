// End to end: directory sign-in against a real OpenLDAP server. The test starts Debian's slapd
// on a free loopback port with a generated slapd.conf (mdb backend in a temp dir, the memberof
// overlay so users carry memberOf, ppolicy so an account can be locked), loads people and groups
// with ldapadd, and drives edge-sso (wrangler dev) in headless Chromium through an app whose
// primary identity source is that directory.
//
// Transports: plain ldap:// on 127.0.0.1 (allowed only on loopback) for most tests; ldaps:// and
// StartTLS with a certificate from a throw-away CA that this worker trusts (./ldap-tls.ts).
import { cleanupTls, TLS } from './ldap-tls';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer as createTcpServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { base32Decode, totpAt } from '../../src/mfa/totp';
import { children, decodeInteger, enumerated, integer, octets, readElement, sequence, TAG } from '../../src/federation/ldap/ber';
import { OP } from '../../src/federation/ldap/messages';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arriveAt, describePage, freePort, launchChromium, newPage, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type StubApp } from './support';

const SLAPD = '/usr/sbin/slapd';
const INSTALL = 'apt-get install -y slapd ldap-utils (with the debconf preseed "slapd slapd/no_configuration boolean true")';
const SUFFIX = 'dc=example,dc=com';
const ROOT_DN = `cn=admin,${SUFFIX}`;
const ROOT_PW = 'root-secret';
const SERVICE_DN = `cn=edge-sso,ou=services,${SUFFIX}`;
const SERVICE_PW = 'service-secret-1';
const SLUG = 'corp-ldap';
const PASSWORDS = { alice: 'alice-pass-1', bob: 'bob-pass-1', carol: 'carol-pass-1' };
const GENERIC = 'The email or password is not correct.';
const LOCKOUT_THRESHOLD = 5;

interface Slapd {
  url: string;
  /** ldaps://127.0.0.1:<port> */
  secureUrl: string;
  port: number;
  dir: string;
  child: ChildProcess;
  log: string[];
  stop(): Promise<void>;
}

/**
 * The three Active Directory attributes the AD preset relies on, with Microsoft's OIDs and AD's
 * matching rules (Debian's msuser.schema has them without equality rules, and its own memberOf
 * would stand in the memberof overlay's way). Entries carry them through extensibleObject.
 */
const AD_SLICE_SCHEMA = `attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
`;

function slapdConf(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include ${dir}/ad-slice.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload ppolicy
TLSCACertificateFile ${TLS.ca}
TLSCertificateFile ${TLS.cert}
TLSCertificateKeyFile ${TLS.key}
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args

database mdb
suffix "${SUFFIX}"
rootdn "${ROOT_DN}"
rootpw ${ROOT_PW}
directory ${dir}/data
maxsize 10485760
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by anonymous auth
overlay memberof
overlay ppolicy
ppolicy_default "cn=default,ou=policies,${SUFFIX}"
`;
}

const LDIF = `dn: ${SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example Corp

dn: ou=people,${SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: ou=services,${SUFFIX}
objectClass: organizationalUnit
ou: services

dn: ou=policies,${SUFFIX}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,${SUFFIX}
objectClass: pwdPolicy
objectClass: device
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE

dn: ${SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: edge-sso
userPassword: ${SERVICE_PW}

dn: uid=alice,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
givenName: Alice
sn: Liddell
mail: alice@example.com
userPassword: ${PASSWORDS.alice}

dn: uid=bob,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
givenName: Bob
sn: Builder
mail: bob@example.com
userPassword: ${PASSWORDS.bob}

dn: uid=carol,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: carol
cn: Carol Locked
sn: Locked
mail: carol@example.com
userPassword: ${PASSWORDS.carol}
pwdAccountLockedTime: 000001010000Z

dn: uid=dave,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: dave
cn: Dave Secure
sn: Secure
mail: dave@example.com
userPassword: dave-pass-1

dn: uid=frank,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: frank
cn: Frank Guessed
sn: Guessed
mail: frank@example.com
userPassword: frank-pass-1

dn: uid=joan,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: joan
cn: Joan Guessed
sn: Guessed
mail: joan@example.com
userPassword: joan-pass-1

dn: cn=Grace Hopper,ou=people,${SUFFIX}
objectClass: inetOrgPerson
objectClass: extensibleObject
cn: Grace Hopper
sn: Hopper
givenName: Grace
displayName: Grace Hopper
sAMAccountName: grace
userPrincipalName: grace@corp.example.com
mail: grace@example.com
userAccountControl: 512
userPassword: grace-pass-1

dn: cn=Henry Disabled,ou=people,${SUFFIX}
objectClass: inetOrgPerson
objectClass: extensibleObject
cn: Henry Disabled
sn: Disabled
displayName: Henry Disabled
sAMAccountName: henry
userPrincipalName: henry@corp.example.com
mail: henry@example.com
userAccountControl: 514
userPassword: henry-pass-1

dn: cn=Developers,ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: Developers
member: uid=alice,ou=people,${SUFFIX}

dn: cn=Staff,ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: Staff
member: uid=alice,ou=people,${SUFFIX}
member: uid=bob,ou=people,${SUFFIX}
member: uid=dave,ou=people,${SUFFIX}
member: cn=Grace Hopper,ou=people,${SUFFIX}
`;

async function startSlapd(): Promise<Slapd> {
  if (!existsSync(SLAPD)) throw new Error(`${SLAPD} is missing: ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'edge-sso-slapd-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'slapd.conf'), slapdConf(dir));
  writeFileSync(join(dir, 'ad-slice.schema'), AD_SLICE_SCHEMA);
  writeFileSync(join(dir, 'data.ldif'), LDIF);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const secureUrl = `ldaps://127.0.0.1:${await freePort()}`;
  const log: string[] = [];
  // -d 256 (stats): stay in the foreground (so the test owns the process), logging each operation and TLS handshake.
  const child = spawn(SLAPD, ['-f', join(dir, 'slapd.conf'), '-h', `${url}/ ${secureUrl}/`, '-d', '256'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => log.push(String(d)));
  child.stderr!.on('data', (d) => log.push(String(d)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const answers = () => {
    try {
      execFileSync('ldapwhoami', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  for (const deadline = Date.now() + 20_000; !answers(); await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`slapd did not start (exit ${child.exitCode}): ${log.join('')}`);
    }
  }
  execFileSync('ldapadd', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW, '-f', join(dir, 'data.ldif')], { stdio: 'pipe' });
  return {
    url,
    secureUrl,
    port,
    dir,
    child,
    log,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A hostile "directory" on a loopback port: it reads the client's LDAP requests and answers each
 * as `answer` says, writing what `answer` yields for as long as the client stays connected.
 */
interface HostileDirectory {
  url: string;
  /** Connections the client closed (it stopped listening), and bytes written to it in all. */
  closedByClient: number;
  written: number;
  close(): Promise<void>;
}

type Answer = (id: number, op: number, socket: TcpSocket) => AsyncIterable<Uint8Array>;

async function hostileDirectory(answer: Answer): Promise<HostileDirectory> {
  const sockets = new Set<TcpSocket>();
  const state = { closedByClient: 0, written: 0 };
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    let open = true;
    socket.on('close', () => {
      open = false;
      sockets.delete(socket);
      state.closedByClient++;
    });
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      for (let element = readElement(pending); element; element = readElement(pending)) {
        pending = pending.subarray(element.end);
        const [id, op] = children(element.contents);
        if (op!.tag === OP.unbindRequest) continue;
        void (async () => {
          for await (const chunk of answer(decodeInteger(id!.contents), op!.tag, socket)) {
            if (!open) return;
            state.written += chunk.length;
            // Waits while the client is not reading: an endless answer is only as fast as the client takes it.
            if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
          }
        })();
      }
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return {
    url: `ldap://127.0.0.1:${port}`,
    get closedByClient() {
      return state.closedByClient;
    },
    get written() {
      return state.written;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const ldapBindResponse = (id: number) => sequence([integer(id), sequence([enumerated(0), octets(''), octets('')], OP.bindResponse)]);
const ldapEntry = (id: number, n: number) =>
  sequence([integer(id), sequence([octets(`uid=user${n},ou=people,${SUFFIX}`), sequence([sequence([octets('uid'), sequence([octets(`user${n}`)], TAG.set)])])], OP.searchResultEntry)]);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('directory sign-in against OpenLDAP (slapd)', () => {
  let worker: LocalWorker;
  let slapd: Slapd;
  let stub: StubApp;
  let browser: Browser;
  let app: { client_id: string; client_secret: string };
  let redirectUrl: string;
  let aliceSub: string;

  beforeAll(async () => {
    slapd = await startSlapd();
    // A low lockout threshold, so that the lockout test needs few attempts.
    worker = await startLocalWorker({ vars: { LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD) } });
    stub = await startStubApp();
    browser = await launchChromium();
    redirectUrl = `${stub.url}/callback`;
  });

  afterAll(async () => {
    await slapd?.stop();
    await stopAll();
    cleanupTls();
  });

  const ssoUrl = () => `${worker.url}/sso/jwt/${app.client_id}?${new URLSearchParams({ redirect_uri: redirectUrl, state: 'e2e' })}`;
  const atApp = (url: URL) => url.origin === stub.url;
  const atDirectoryForm = (url: URL) => url.pathname === '/login' && url.searchParams.get('source') === SLUG;

  async function step(page: Page | undefined, fn: () => Promise<void>) {
    await withDiagnostics(fn, { extra: () => ({ slapd: slapd.log.join('') }) }).catch(async (error: Error) => {
      if (page) error.message = `${error.message}\n--- browser page now ---\n${await describePage(page)}`;
      throw error;
    });
  }

  async function appToken(page: Page): Promise<Record<string, unknown>> {
    const url = new URL(page.url());
    expect(url.searchParams.get('state')).toBe('e2e');
    const token = url.searchParams.get('id_token');
    expect(token).toBeTruthy();
    const { payload } = await jwtVerify(token!, new TextEncoder().encode(app.client_secret), { issuer: worker.url, audience: app.client_id });
    return payload as Record<string, unknown>;
  }

  /** Opens the app's SSO URL (which shows the directory's form) and submits login and password; returns the form's answer status. */
  async function signIn(page: Page, login: string, password: string): Promise<number> {
    await arriveAt(page, atDirectoryForm, () => page.goto(ssoUrl()));
    await expect(page.locator('h1').innerText()).resolves.toBe('Sign in with Corp Directory');
    await page.locator('#email').fill(login);
    await page.locator('#password').fill(password);
    if (password === '') await page.locator('#password').evaluate((el) => el.removeAttribute('required'));
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login');
    await page.locator('button[type="submit"]').click();
    const status = (await answer).status();
    await page.waitForLoadState('domcontentloaded');
    return status;
  }

  async function expectRefused(page: Page, login: string, password: string, status = 401, message = GENERIC) {
    expect(await signIn(page, login, password)).toBe(status);
    expect(await page.locator('[role="alert"]').innerText()).toContain(message);
    expect(atApp(new URL(page.url()))).toBe(false);
  }

  it('an admin adds the directory as an identity source (bind password never returned) and makes it an app’s primary source', async () => {
    await step(undefined, async () => {
      const source = await worker.api('POST', '/identity-sources', {
        type: 'ldap',
        slug: SLUG,
        name: 'Corp Directory',
        url: slapd.url,
        bind_dn: SERVICE_DN,
        bind_password: SERVICE_PW,
        user_base_dn: `ou=people,${SUFFIX}`,
        user_filter: '(|(uid={login})(mail={login}))',
        timeout_ms: 3000,
        use_for_password_login: true,
      });
      expect(source.type).toBe('ldap');
      expect(JSON.stringify(source)).not.toContain(SERVICE_PW);
      const insecure = await worker.api('POST', '/identity-sources', { type: 'ldap', url: 'ldap://ldap.example.com', bind_dn: SERVICE_DN, bind_password: 'x', user_base_dn: SUFFIX }).catch((e) => e);
      expect(insecure.status).toBe(400);
      expect(insecure.body.fields.url).toMatch(/ldaps/);
      const noLogin = await worker.api('POST', '/identity-sources', { type: 'ldap', url: slapd.url, bind_dn: SERVICE_DN, bind_password: 'x', user_base_dn: SUFFIX, user_filter: '(uid=alice)' }).catch((e) => e);
      expect(noLogin.body.fields.user_filter).toMatch(/\{login\}/);
      app = await worker.api('POST', '/apps', { name: 'Directory app', redirect_urls: [redirectUrl], identity_source: SLUG });
    });
  });

  it('a directory user signs in by uid; the app gets a token with the directory profile and groups', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await signIn(page, 'alice', PASSWORDS.alice);
      await page.waitForURL(atApp);
      const claims = await appToken(page);
      expect(claims).toMatchObject({ email: 'alice@example.com', name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', idp: SLUG });
      expect([...(claims.groups as string[])].sort()).toEqual(['corp-ldap:Developers', 'corp-ldap:Staff']);
      aliceSub = claims.sub as string;
      // The user was provisioned just in time, linked to the directory entry.
      const users = await worker.api('GET', `/users?q=${encodeURIComponent('alice@example.com')}`);
      expect(users.total).toBe(1);
    });
    await close();
  });

  it('the same person signs in by mail and is the same user', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await signIn(page, 'alice@example.com', PASSWORDS.alice);
      await page.waitForURL(atApp);
      expect((await appToken(page)).sub).toBe(aliceSub);
    });
    await close();
  });

  it('a directory user with an authenticator app gives the code after the directory password and reaches the app (the session still names the directory, not a loop back to its form)', async () => {
    const first = await newPage(browser);
    await step(first.page, async () => {
      const page = first.page;
      await signIn(page, 'alice', PASSWORDS.alice);
      await page.waitForURL(atApp);
      await arriveAt(page, (u) => u.pathname === '/account', () => page.goto(`${worker.url}/account`));
      const secret = await page.locator('#totp-secret').innerText();
      await page.locator('#totp-code').fill(await totpAt(base32Decode(secret)!, Math.floor(Date.now() / 1000)));
      // A first factor shows the recovery codes once, then goes on to the account page.
      await arriveAt(page, (u) => u.pathname === '/account/recovery-codes', () => page.getByRole('button', { name: 'Turn on' }).click());
      await arriveAt(page, (u) => u.searchParams.get('done') === 'totp', () => page.getByRole('link', { name: 'I have saved them' }).click());
      const second = await newPage(browser);
      await step(second.page, async () => {
        await signIn(second.page, 'alice', PASSWORDS.alice);
        await second.page.waitForURL((u) => u.pathname === '/login/mfa');
        await second.page.locator('#code').fill(await totpAt(base32Decode(secret)!, Math.floor(Date.now() / 1000) + 30));
        await arriveAt(second.page, atApp, () => second.page.getByRole('button', { name: 'Continue' }).click());
        const claims = await appToken(second.page);
        expect(claims).toMatchObject({ email: 'alice@example.com', idp: SLUG });
        expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
      });
      await second.close();
      // Alice signs in without a second factor in the tests that follow.
      const alice = (await worker.api('GET', `/users?q=${encodeURIComponent('alice@example.com')}`)).users[0];
      await worker.api('DELETE', `/users/${alice.id}/factors`);
    });
    await first.close();
  });

  it('groups changed in the directory reach the user’s other live sessions at the next sign-in', async () => {
    const earlier = await newPage(browser);
    const later = await newPage(browser);
    await step(earlier.page, async () => {
      await signIn(earlier.page, 'alice', PASSWORDS.alice);
      await earlier.page.waitForURL(atApp);
      expect([...((await appToken(earlier.page)).groups as string[])].sort()).toEqual(['corp-ldap:Developers', 'corp-ldap:Staff']);
      const modify = (change: string) => execFileSync('ldapmodify', ['-x', '-H', slapd.url, '-D', ROOT_DN, '-w', ROOT_PW], { input: change, stdio: 'pipe' });
      modify(`dn: cn=Staff,ou=groups,${SUFFIX}\nchangetype: modify\ndelete: member\nmember: uid=alice,ou=people,${SUFFIX}\n`);
      try {
        await signIn(later.page, 'alice', PASSWORDS.alice);
        await later.page.waitForURL(atApp);
        expect((await appToken(later.page)).groups).toEqual(['corp-ldap:Developers']);
        // The earlier browser's session was started before the change: its next token follows it too.
        await arriveAt(earlier.page, atApp, () => earlier.page.goto(ssoUrl()));
        expect((await appToken(earlier.page)).groups).toEqual(['corp-ldap:Developers']);
      } finally {
        modify(`dn: cn=Staff,ou=groups,${SUFFIX}\nchangetype: modify\nadd: member\nmember: uid=alice,ou=people,${SUFFIX}\n`);
      }
    });
    await earlier.close();
    await later.close();
  });

  it('a wrong password, an unknown user and an empty password get the same generic error', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await expectRefused(page, 'alice', 'not-her-password');
      await expectRefused(page, 'nobody', 'whatever');
      await expectRefused(page, 'alice', '');
    });
    await close();
  });

  it('filter injection: a login such as *)(uid=* is a literal, and matches nobody', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await expectRefused(page, '*)(uid=*', PASSWORDS.alice);
      await expectRefused(page, '*', PASSWORDS.alice);
      // Unescaped, this one would match alice alone and sign her in with her password.
      await expectRefused(page, 'ali*', PASSWORDS.alice);
      await expectRefused(page, 'alice)(|(uid=*', PASSWORDS.alice);
    });
    await close();
  });

  it('a password changed in the directory applies at the next sign-in', async () => {
    execFileSync('ldappasswd', ['-x', '-H', slapd.url, '-D', ROOT_DN, '-w', ROOT_PW, '-s', 'alice-pass-2', `uid=alice,ou=people,${SUFFIX}`], { stdio: 'pipe' });
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await expectRefused(page, 'alice', PASSWORDS.alice);
      await signIn(page, 'alice', 'alice-pass-2');
      await page.waitForURL(atApp);
      expect((await appToken(page)).sub).toBe(aliceSub);
    });
    await close();
  });

  it('an account locked in the directory (ppolicy pwdAccountLockedTime) cannot sign in, even with its right password', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await expectRefused(page, 'carol', PASSWORDS.carol);
      const users = await worker.api('GET', `/users?q=${encodeURIComponent('carol@example.com')}`);
      expect(users.total).toBe(0);
    });
    await close();
  });

  it('Active Directory preset (slapd with AD’s account attributes): sAMAccountName or UPN, displayName, groups by search; userAccountControl bit 2 is refused', async () => {
    await worker.api('POST', '/identity-sources', {
      type: 'active-directory',
      slug: 'corp-ad',
      name: 'Corp AD',
      url: slapd.url,
      bind_dn: SERVICE_DN,
      bind_password: SERVICE_PW,
      user_base_dn: `ou=people,${SUFFIX}`,
      group_base_dn: `ou=groups,${SUFFIX}`,
      timeout_ms: 3000,
      show_on_login_page: false,
    });
    let sub: unknown;
    for (const login of ['grace', 'grace@corp.example.com']) {
      const { page, close } = await newPage(browser);
      await step(page, async () => {
        await arriveAt(page, (u) => u.searchParams.get('source') === 'corp-ad', () => page.goto(`${ssoUrl()}&idp=corp-ad`));
        await page.locator('#email').fill(login);
        await page.locator('#password').fill('grace-pass-1');
        await arriveAt(page, atApp, () => page.locator('button[type="submit"]').click());
        const claims = await appToken(page);
        expect(claims).toMatchObject({ email: 'grace@example.com', name: 'Grace Hopper', given_name: 'Grace', family_name: 'Hopper', preferred_username: 'grace', idp: 'corp-ad', groups: ['corp-ad:Staff'] });
        sub ??= claims.sub;
        expect(claims.sub).toBe(sub);
      });
      await close();
    }
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, (u) => u.searchParams.get('source') === 'corp-ad', () => page.goto(`${ssoUrl()}&idp=corp-ad`));
      await page.locator('#email').fill('henry');
      await page.locator('#password').fill('henry-pass-1');
      const answer = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.locator('button[type="submit"]').click();
      expect((await answer).status()).toBe(403);
      await page.waitForLoadState('domcontentloaded');
      expect(await page.locator('[role="alert"]').innerText()).toContain('This account is disabled.');
      // The wrong password gets the generic answer: "disabled" is said only after the right one.
      await arriveAt(page, (u) => u.searchParams.get('source') === 'corp-ad', () => page.goto(`${ssoUrl()}&idp=corp-ad`));
      await page.locator('#email').fill('henry');
      await page.locator('#password').fill('not-henrys');
      await page.locator('button[type="submit"]').click();
      await page.waitForLoadState('domcontentloaded');
      expect(await page.locator('[role="alert"]').innerText()).toContain(GENERIC);
      expect((await worker.api('GET', `/users?q=${encodeURIComponent('henry@example.com')}`)).total).toBe(0);
    });
    await close();
  });

  it('lockout: wrong directory passwords lock the login like local ones; then even the right password waits', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      for (let i = 0; i < LOCKOUT_THRESHOLD; i++) await expectRefused(page, 'frank', `guess-${i}`);
      await expectRefused(page, 'frank', 'frank-pass-1', 429, 'Too many failed sign-ins');
      const users = await worker.api('GET', `/users?q=${encodeURIComponent('frank@example.com')}`);
      expect(users.total).toBe(0);
    });
    await close();
  });

  it('user federation: the default login form signs in a directory user who has no local password', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await page.goto(`${worker.url}/login`);
      await expect(page.locator('h1').innerText()).resolves.toBe('Sign in');
      await page.locator('#email').fill('bob@example.com');
      await page.locator('#password').fill(PASSWORDS.bob);
      await arriveAt(page, (url) => url.pathname === '/my-apps', () => page.locator('button[type="submit"]').click());
      const users = await worker.api('GET', `/users?q=${encodeURIComponent('bob@example.com')}`);
      expect(users.total).toBe(1);
      expect(users.users[0].groups).toEqual(['corp-ldap:Staff']);
    });
    await close();
  });

  it('ldaps:// and StartTLS: the same sign-in over TLS, verified against the CA the worker trusts', async () => {
    const common = { bind_dn: SERVICE_DN, bind_password: SERVICE_PW, user_base_dn: `ou=people,${SUFFIX}`, timeout_ms: 3000, trust_email_for_linking: true, show_on_login_page: false };
    await worker.api('POST', '/identity-sources', { ...common, type: 'ldap', slug: 'corp-ldaps', name: 'Corp LDAPS', url: slapd.secureUrl });
    await worker.api('POST', '/identity-sources', { ...common, type: 'ldap', slug: 'corp-starttls', name: 'Corp StartTLS', url: slapd.url, start_tls: true });
    let sub: unknown;
    for (const slug of ['corp-ldaps', 'corp-starttls']) {
      const { page, close } = await newPage(browser);
      await step(page, async () => {
        await arriveAt(page, (u) => u.pathname === '/login' && u.searchParams.get('source') === slug, () => page.goto(`${ssoUrl()}&idp=${slug}`));
        await page.locator('#email').fill('dave');
        await page.locator('#password').fill('dave-pass-1');
        await arriveAt(page, atApp, () => page.locator('button[type="submit"]').click());
        const claims = await appToken(page);
        expect(claims).toMatchObject({ email: 'dave@example.com', name: 'Dave Secure', idp: slug, groups: [`${slug}:Staff`] });
        sub ??= claims.sub;
        expect(claims.sub).toBe(sub);
      });
      await close();
    }
    // slapd saw the StartTLS extended operation and TLS handshakes, not a plain bind.
    const log = slapd.log.join('');
    expect(log).toMatch(/EXT oid=1\.3\.6\.1\.4\.1\.1466\.20037/);
    expect(log).toMatch(/TLS established/);
    // ldaps:// to the plain port: no TLS handshake, so the directory is unreachable (503), never a plain fallback.
    await worker.api('POST', '/identity-sources', { ...common, type: 'ldap', slug: 'corp-wrong-tls', name: 'Corp wrong port', url: slapd.url.replace('ldap://', 'ldaps://') });
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, (u) => u.searchParams.get('source') === 'corp-wrong-tls', () => page.goto(`${ssoUrl()}&idp=corp-wrong-tls`));
      await page.locator('#email').fill('dave');
      await page.locator('#password').fill('dave-pass-1');
      const answer = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.locator('button[type="submit"]').click();
      expect((await answer).status()).toBe(503);
    });
    await close();
  });

  it('console Test connection: the service bind and a lookup show the mapped profile and groups, never a password', async () => {
    const admin = { email: 'admin@example.org', password: 'admin-pass-123456' };
    await worker.api('POST', '/users', { ...admin, name: 'Admin', roles: ['admin'] });
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, (u) => u.pathname === '/login', () => page.goto(`${worker.url}/admin`));
      await page.locator('#email').fill(admin.email);
      await page.locator('#password').fill(admin.password);
      await arriveAt(page, (u) => u.pathname === '/admin' || u.pathname.startsWith('/admin/'), () => page.locator('button[type="submit"]').click());
      await arriveAt(page, (u) => u.pathname === `/admin/identity-sources/${SLUG}`, () => page.goto(`${worker.url}/admin/identity-sources/${SLUG}`));
      await arriveAt(page, (u) => u.pathname.endsWith('/test'), () => page.getByRole('link', { name: 'Test connection' }).click());
      // The GET only shows the form: connecting is a CSRF-checked POST (another site cannot trigger binds).
      expect(await page.locator('#test-result').count()).toBe(0);
      await Promise.all([page.waitForURL((u) => u.pathname.endsWith('/test')), page.getByRole('button', { name: 'Test connection' }).click()]);
      await page.locator('#test-result h2').waitFor();
      await expect(page.locator('#test-result h2').innerText()).resolves.toContain('Connected');
      await page.getByLabel('Login name or email to look up').fill('alice');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Look up' }).click()]);
      await page.locator('#test-mapped').waitFor();
      const mapped = JSON.parse(await page.locator('#test-mapped').innerText());
      const subject = await page.locator('#test-subject').innerText();
      expect(subject).toMatch(/^[0-9a-f-]{36}$/); // OpenLDAP's entryUUID, not the DN
      expect(mapped).toMatchObject({ email: 'alice@example.com', name: 'Alice Liddell', username: 'alice' });
      expect([...mapped.groups].sort()).toEqual(['corp-ldap:Developers', 'corp-ldap:Staff']);
      const body = await page.locator('body').innerText();
      expect(body).toContain(`uid=alice,ou=people,${SUFFIX}`);
      for (const secret of [SERVICE_PW, 'alice-pass-2', PASSWORDS.alice, 'userPassword']) expect(body).not.toContain(secret);
      await page.getByLabel('Login name or email to look up').fill('nobody');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Look up' }).click()]);
      await expect(page.locator('[role="alert"]').innerText()).resolves.toContain('No user matches');
      // The user page shows where a directory user comes from: the source and the entry's entryUUID.
      const alice = (await worker.api('GET', `/users?q=${encodeURIComponent('alice@example.com')}`)).users[0];
      await arriveAt(page, (u) => u.pathname === `/admin/users/${alice.id}`, () => page.goto(`${worker.url}/admin/users/${alice.id}`));
      const linked = await page.locator('#linked-identities').innerText();
      expect(linked).toContain(SLUG);
      expect(linked).toContain(mapped.email);
      expect(linked).toContain(subject);
    });
    await close();
  });

  it('lockout by account: wrong passwords spread over spellings of one entry (uid, mail) lock that entry and the user linked to it, local form included', async () => {
    const first = await newPage(browser);
    await step(first.page, async () => {
      // Joan signs in once: her user is linked to her entry (by its entryUUID).
      await signIn(first.page, 'joan', 'joan-pass-1');
      await first.page.waitForURL(atApp);
    });
    await first.close();
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      // Five wrong passwords, none of the spellings reaching the threshold on its own (3 + 2).
      for (const login of ['joan', 'JOAN', 'joan', 'joan@example.com', 'Joan@Example.COM']) await expectRefused(page, login, 'not-joans');
      // Locked whatever the spelling, even with the right password, and on the default login form too.
      await expectRefused(page, 'joan', 'joan-pass-1', 429, 'Too many failed sign-ins');
      await page.goto(`${worker.url}/login`);
      await page.locator('#email').fill('joan@example.com');
      await page.locator('#password').fill('joan-pass-1');
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login');
      await page.locator('button[type="submit"]').click();
      expect((await answer).status()).toBe(429);
      // The console's lockouts name the directory entry, by its entryUUID.
      const { lockouts } = await worker.api('GET', '/lockouts');
      const entry = lockouts.find((l: { kind: string }) => l.kind === 'directory');
      expect(entry).toMatchObject({ source: SLUG, failures: LOCKOUT_THRESHOLD });
      expect(entry.subject).toMatch(/^[0-9a-f-]{36}$/);
    });
    await close();
  });

  describe('a hostile directory cannot hold a sign-in', () => {
    const servers: HostileDirectory[] = [];
    afterAll(async () => {
      for (const server of servers) await server.close();
    });

    async function hostileSource(slug: string, answer: Answer, timeoutMs: number): Promise<HostileDirectory> {
      const server = await hostileDirectory(answer);
      servers.push(server);
      await worker.api('POST', '/identity-sources', { type: 'ldap', slug, name: slug, url: server.url, bind_dn: SERVICE_DN, bind_password: SERVICE_PW, user_base_dn: `ou=people,${SUFFIX}`, timeout_ms: timeoutMs, show_on_login_page: false });
      return server;
    }

    /** Signs in on a source's form; the status, the alert and how long the answer took. */
    async function signInAt(slug: string): Promise<{ status: number; alert: string; elapsed: number }> {
      const { page, close } = await newPage(browser);
      try {
        await arriveAt(page, (u) => u.searchParams.get('source') === slug, () => page.goto(`${ssoUrl()}&idp=${slug}`));
        await page.locator('#email').fill('alice');
        await page.locator('#password').fill('whatever-1');
        const started = Date.now();
        const answer = page.waitForResponse((r) => r.request().method() === 'POST', { timeout: 60_000 });
        await page.locator('button[type="submit"]').click();
        const status = (await answer).status();
        const elapsed = Date.now() - started;
        await page.waitForLoadState('domcontentloaded');
        return { status, alert: await page.locator('[role="alert"]').innerText(), elapsed };
      } finally {
        await close();
      }
    }

    it('one that answers byte by byte, each byte in time, without end: the unreachable page at the sign-in’s deadline', async () => {
      await step(undefined, async () => {
        async function* trickle(bytes: Uint8Array) {
          for (const byte of bytes) {
            await pause(100);
            yield Uint8Array.of(byte);
          }
        }
        // The bind answer takes 1.4 s; the search answer announces 900 KB and would take a day.
        const server = await hostileSource('slow-dir', async function* (id, op) {
          yield* trickle(op === OP.bindRequest ? ldapBindResponse(id) : Uint8Array.of(0x30, 0x83, 0x0d, 0xbb, 0xa0, ...new Uint8Array(100_000)));
        }, 2000);
        const { status, alert, elapsed } = await signInAt('slow-dir');
        expect(status).toBe(503);
        expect(alert).toContain('The directory is unreachable');
        // A generous bound: the deadline is 2 s.
        expect(elapsed).toBeLessThan(10_000);
        expect(server.written).toBeLessThan(100);
      });
    });

    it('one that streams entries without end: reading stops at the second, and the login is refused as ambiguous', async () => {
      await step(undefined, async () => {
        const server = await hostileSource('endless-dir', async function* (id, op) {
          if (op === OP.bindRequest) return yield ldapBindResponse(id);
          for (let n = 0; ; n++) yield ldapEntry(id, n);
        }, 5000);
        const { status, alert, elapsed } = await signInAt('endless-dir');
        expect(status).toBe(401);
        expect(alert).toContain(GENERIC);
        expect(elapsed).toBeLessThan(10_000);
        // The worker hung up rather than reading on.
        await expect.poll(() => server.closedByClient, { timeout: 5000 }).toBeGreaterThan(0);
      });
    });

    it('one that announces a huge message: refused at its header, the unreachable page', async () => {
      await step(undefined, async () => {
        await hostileSource('huge-dir', async function* (id, op) {
          if (op === OP.bindRequest) return yield ldapBindResponse(id);
          yield Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff);
          for (;;) yield new Uint8Array(64 * 1024);
        }, 5000);
        const { status, alert } = await signInAt('huge-dir');
        expect(status).toBe(503);
        expect(alert).toContain('The directory is unreachable');
      });
    });
  });

  it('the directory down: a clear 503 page, and the worker keeps serving (/healthz is 200)', async () => {
    await slapd.child.kill('SIGTERM');
    await new Promise((resolve) => (slapd.child.exitCode !== null ? resolve(null) : slapd.child.once('exit', resolve)));
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      expect(await signIn(page, 'alice', 'alice-pass-2')).toBe(503);
      expect(await page.locator('[role="alert"]').innerText()).toContain('The directory is unreachable; try again later.');
      const health = await fetch(`${worker.url}/healthz`);
      expect(health.status).toBe(200);
    });
    await close();
  });
});
