// The key per-address limits count a client under. An IPv4 address is one client; an IPv6 client
// usually holds a whole /64 (SLAAC, privacy addresses, one prefix per customer), so counting exact
// IPv6 addresses would give each client 2^64 fresh counters. Pure, no I/O.

/** The 8 groups of an IPv6 address, or null if `text` is not one (an IPv4 tail is accepted). */
function ipv6Groups(text: string): number[] | null {
  let address = text;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (v4) {
    const octets = v4[2]!.split('.').map(Number);
    if (octets.some((o) => o > 255)) return null;
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    address = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 2 ? known > 7 : known !== 8) return null;
  const zeros = Array<number>(8 - known).fill(0);
  return [...head.map((g) => parseInt(g, 16)), ...(halves.length === 2 ? zeros : []), ...rest.map((g) => parseInt(g, 16)), ...tail];
}

/**
 * The throttle key of a client address: IPv4 as it is, IPv6 as its /64 (`2001:db8:1:2::/64`), an
 * IPv4-mapped IPv6 address as the IPv4 address it carries. Anything else is kept (at most 64
 * characters), so a malformed header still lands in one bucket per value.
 */
export function clientAddressKey(ip: string): string {
  const text = ip.trim();
  if (!text.includes(':')) return text.slice(0, 64);
  const groups = ipv6Groups(text.replace(/%.*$/, ''));
  if (!groups) return text.slice(0, 64);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
