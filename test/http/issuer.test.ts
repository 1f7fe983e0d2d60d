// The issuer (`iss`) with ISSUER unset: the request origin, silently only on loopback hosts
// (local dev); anywhere else it still answers but warns, once per isolate (issue #8, item 11).
import { describe, expect, it, vi } from 'vitest';
import { issuerFor, issuerResolver, isLoopbackHost, type Bindings } from '../../src/env';

const unset = { ISSUER: '' } as Bindings;

describe('issuerFor', () => {
  it('uses ISSUER when set, without a trailing slash, whatever the Host', () => {
    expect(issuerFor({ ISSUER: 'https://sso.example.com/' } as Bindings, 'https://attacker.example/sso/jwt/x')).toBe('https://sso.example.com');
    expect(issuerFor({ ISSUER: '  https://sso.example.com  ' } as Bindings, 'http://localhost:8787/')).toBe('https://sso.example.com');
  });

  it('falls back to the request origin on loopback hosts without a warning', () => {
    const warn = vi.fn();
    const resolve = issuerResolver(warn);
    for (const url of ['http://localhost:8787/x', 'http://127.0.0.1:9000/', 'http://[::1]:8787/', 'http://app.localhost:8787/', 'http://127.3.2.1/']) {
      expect(resolve(unset, url)).toBe(new URL(url).origin);
    }
    expect(resolve({} as Bindings, 'http://localhost:8787/')).toBe('http://localhost:8787');
    expect(warn).not.toHaveBeenCalled();
  });

  it('on any other host still answers with the origin, but warns once per isolate', () => {
    const warn = vi.fn();
    const resolve = issuerResolver(warn);
    expect(resolve(unset, 'https://sso.example.com/sso/jwt/a')).toBe('https://sso.example.com');
    expect(resolve(unset, 'https://other-host.example/sso/jwt/a')).toBe('https://other-host.example');
    expect(resolve(unset, 'https://sso.example.com/')).toBe('https://sso.example.com');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/ISSUER is not set.*Host header.*wrangler\.toml.*Using https:\/\/sso\.example\.com\./);
  });

  it('does not warn when ISSUER is set', () => {
    const warn = vi.fn();
    issuerResolver(warn)({ ISSUER: 'https://sso.example.com' } as Bindings, 'https://elsewhere.example/');
    expect(warn).not.toHaveBeenCalled();
  });

  it('counts only loopback names as local', () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]', 'dev.localhost', '127.255.0.9']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['sso.example.com', 'localhost.example.com', '127.0.0.1.nip.io', '10.0.0.1', '[::2]', 'mylocalhost']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
