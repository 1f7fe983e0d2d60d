// clientAddressKey: every per-address limit counts an IPv6 client by its /64.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientAddressKey } from '../../src/lib/address';
import { parseLockoutKey, throttleKeys } from '../../src/login/throttle';

const hex = (groups: number[]) => groups.map((g) => g.toString(16)).join(':');
const group = fc.integer({ min: 0, max: 0xffff });
const prefix = fc.array(group, { minLength: 4, maxLength: 4 });
const host = fc.array(group, { minLength: 4, maxLength: 4 });

describe('clientAddressKey', () => {
  it('IPv4 stays as it is', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it.each([
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:198.51.100.9', '198.51.100.9'],
    ['2001:db8:1:2:3:4:192.0.2.1', '2001:db8:1:2::/64'],
  ])('%s → %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });

  it('any two addresses of one /64 share a key, however they are written', () => {
    fc.assert(
      fc.property(prefix, host, host, fc.boolean(), (p, a, b, padded) => {
        const spell = (groups: number[]) => (padded ? groups.map((g) => g.toString(16).padStart(4, '0').toUpperCase()).join(':') : hex(groups));
        expect(clientAddressKey(spell([...p, ...a]))).toBe(clientAddressKey(hex([...p, ...b])));
      }),
    );
  });

  it('addresses of different /64s never share a key', () => {
    fc.assert(
      fc.property(prefix, prefix, host, (p, q, h) => {
        fc.pre(p.some((g, i) => g !== q[i]));
        if (p.slice(0, 4).every((g) => g === 0) || q.every((g) => g === 0)) return; // ::ffff:… is IPv4-mapped
        expect(clientAddressKey(hex([...p, ...h]))).not.toBe(clientAddressKey(hex([...q, ...h])));
      }),
    );
  });

  it('malformed values stay one bucket each, at most 64 characters', () => {
    expect(clientAddressKey('not:an:address:at:all')).toBe('not:an:address:at:all');
    expect(clientAddressKey(`1:${'2:'.repeat(100)}`).length).toBeLessThanOrEqual(64);
  });

  it('the console can unlock every key it writes (the lockouts list sends it back)', () => {
    fc.assert(fc.property(fc.ipV6(), (ip) => parseLockoutKey(throttleKeys.ip(clientAddressKey(ip)))?.key === throttleKeys.ip(clientAddressKey(ip))));
  });
});
