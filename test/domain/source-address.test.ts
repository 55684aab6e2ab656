/**
 * Source addresses behind proxies: X-Forwarded-For is believed only from trusted peers, walked
 * right to left past trusted hops, so entries a client wrote itself change nothing.
 */
import { describe, expect, it } from "vitest";
import { canonicalAddress, clientAddress, NO_TRUSTED_PROXIES, parseTrustedProxies, subscriberKey } from "../../src/domain/source-address.js";

function trusting(list: string) {
  const { proxies, problems } = parseTrustedProxies(list);
  expect(problems).toEqual([]);
  return proxies;
}

describe("parseTrustedProxies", () => {
  it("accepts addresses and networks of both families, with spaces and empty items", () => {
    const proxies = trusting(" 10.0.0.0/8, 192.0.2.7 ,, 2001:db8::/32, ::1, fd00::/8 , 0.0.0.0/0");
    expect(proxies.entries).toEqual(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1", "fd00::/8", "0.0.0.0/0"]);
  });

  it("trusts nobody when unset or blank", () => {
    for (const raw of [undefined, "", " , "]) {
      const { proxies, problems } = parseTrustedProxies(raw);
      expect(problems).toEqual([]);
      expect(proxies.entries).toEqual([]);
      expect(proxies.has("127.0.0.1")).toBe(false);
    }
  });

  it("names every bad entry and says what is wrong", () => {
    const { problems } = parseTrustedProxies("10.0.0.0/8, lb.internal, 10.1.2.3/33, 2001:db8::/129, 10.0.0.1/8, 300.1.1.1, 10.0.0.0/x, fe80::/");
    expect(problems).toEqual([
      'TRUSTED_PROXIES entry "lb.internal" is not an IP address or CIDR network (e.g. 10.0.0.0/8, 2001:db8::/32; host names are not resolved)',
      'TRUSTED_PROXIES entry "10.1.2.3/33" has a prefix length that is not a whole number from 0 to 32',
      'TRUSTED_PROXIES entry "2001:db8::/129" has a prefix length that is not a whole number from 0 to 128',
      'TRUSTED_PROXIES entry "10.0.0.1/8" has bits set after its /8 prefix; write the network address (10.0.0.0/8)',
      'TRUSTED_PROXIES entry "300.1.1.1" is not an IP address or CIDR network (e.g. 10.0.0.0/8, 2001:db8::/32; host names are not resolved)',
      'TRUSTED_PROXIES entry "10.0.0.0/x" has a prefix length that is not a whole number from 0 to 32',
      'TRUSTED_PROXIES entry "fe80::/" has a prefix length that is not a whole number from 0 to 128',
    ]);
  });

  it("matches networks on prefix bits, including prefixes that split a byte", () => {
    const proxies = trusting("172.16.0.0/12, 2001:db8:abcd:14::/62, 203.0.113.9");
    expect(proxies.has("172.16.0.1")).toBe(true);
    expect(proxies.has("172.31.255.255")).toBe(true);
    expect(proxies.has("172.32.0.0")).toBe(false);
    expect(proxies.has("172.15.255.255")).toBe(false);
    expect(proxies.has("2001:db8:abcd:14::1")).toBe(true);
    expect(proxies.has("2001:DB8:ABCD:0017:ffff::1")).toBe(true);
    expect(proxies.has("2001:db8:abcd:13::1")).toBe(false);
    expect(proxies.has("2001:db8:abcd:18::1")).toBe(false);
    expect(proxies.has("203.0.113.9")).toBe(true);
    expect(proxies.has("203.0.113.10")).toBe(false);
    expect(proxies.has("not an address")).toBe(false);
  });

  it("never matches across families, except IPv4-mapped IPv6, which is IPv4", () => {
    expect(trusting("0.0.0.0/0").has("::1")).toBe(false);
    expect(trusting("::/0").has("10.0.0.1")).toBe(false);
    expect(trusting("10.0.0.0/8").has("::ffff:10.1.2.3")).toBe(true);
    expect(trusting("::ffff:10.0.0.0/104").has("10.200.0.1")).toBe(true);
    expect(trusting("::ffff:10.0.0.0/104").has("11.0.0.1")).toBe(false);
  });
});

describe("clientAddress", () => {
  const proxies = trusting("10.0.0.0/8, 2001:db8:1::/48");

  it("is the socket's address when nobody is trusted, whatever the header says", () => {
    expect(clientAddress("203.0.113.5", "198.51.100.1", NO_TRUSTED_PROXIES)).toBe("203.0.113.5");
    expect(clientAddress("10.0.0.1", "198.51.100.1", NO_TRUSTED_PROXIES)).toBe("10.0.0.1");
  });

  it("ignores X-Forwarded-For from an untrusted peer", () => {
    expect(clientAddress("203.0.113.5", "10.0.0.2, 198.51.100.1", proxies)).toBe("203.0.113.5");
  });

  it("takes the client from a trusted peer's header", () => {
    expect(clientAddress("10.0.0.1", "198.51.100.1", proxies)).toBe("198.51.100.1");
  });

  it("skips trusted hops from the right and stops at the first untrusted one", () => {
    expect(clientAddress("10.0.0.1", "198.51.100.1, 10.0.0.3, 10.0.0.2", proxies)).toBe("198.51.100.1");
  });

  it("ignores spoofed entries left of the client (written by the client itself)", () => {
    // The client sent "X-Forwarded-For: 1.1.1.1, 10.0.0.9"; our proxy appended its real address.
    expect(clientAddress("10.0.0.1", "1.1.1.1, 10.0.0.9, 198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.1", "10.0.0.9, 198.51.100.1", proxies)).toBe("198.51.100.1");
  });

  it("joins repeated headers in order", () => {
    expect(clientAddress("10.0.0.1", ["6.6.6.6, 198.51.100.1", "10.0.0.2"], proxies)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.1", ["198.51.100.1", "203.0.113.7"], proxies)).toBe("203.0.113.7");
  });

  it("is the leftmost entry when every hop is trusted", () => {
    expect(clientAddress("10.0.0.1", "10.0.0.4, 10.0.0.3", proxies)).toBe("10.0.0.4");
  });

  it("is the peer when a trusted peer sends no header, or an empty one", () => {
    expect(clientAddress("10.0.0.1", undefined, proxies)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", "", proxies)).toBe("10.0.0.1");
  });

  it("stops at the last trusted hop when an entry is not an address, never keying on its text", () => {
    expect(clientAddress("10.0.0.1", "unknown", proxies)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", "198.51.100.1, garbage, 10.0.0.2", proxies)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.1", "198.51.100.1, , 10.0.0.2", proxies)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.1", "198.51.100.1,", proxies)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", "1.2.3.4.5", proxies)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", "_hidden", proxies)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", "[198.51.100.1]", proxies)).toBe("10.0.0.1"); // brackets are for IPv6
  });

  it("accepts ports and brackets as some proxies write them", () => {
    expect(clientAddress("10.0.0.1", "198.51.100.1:4711", proxies)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.1", "[2001:db8:2::17]:4711", proxies)).toBe("2001:db8:2::17");
    expect(clientAddress("10.0.0.1", "[2001:db8:2::17]", proxies)).toBe("2001:db8:2::17");
    expect(clientAddress("10.0.0.1", " 198.51.100.1 ,10.0.0.2 ", proxies)).toBe("198.51.100.1");
  });

  it("handles IPv6 peers and hops, in canonical form", () => {
    expect(clientAddress("2001:db8:1::1", "2001:DB8:0002:0000:0000:0000:0000:0017", proxies)).toBe("2001:db8:2::17");
    expect(clientAddress("2001:db8:1::1", "198.51.100.1, 2001:db8:1::2", proxies)).toBe("198.51.100.1");
    expect(clientAddress("2001:db8:9::1", "198.51.100.1", proxies)).toBe("2001:db8:9::1");
  });

  it("treats IPv4-mapped IPv6 as IPv4, for peers and hops alike", () => {
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    expect(clientAddress("::ffff:10.0.0.1", "198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("::ffff:203.0.113.5", "198.51.100.1", proxies)).toBe("203.0.113.5");
    expect(clientAddress("10.0.0.1", "198.51.100.1, ::ffff:10.0.0.2", proxies)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.1", "::FFFF:198.51.100.1", proxies)).toBe("198.51.100.1");
  });

  it("passes a peer that is not an address through, and names a missing one", () => {
    expect(clientAddress(undefined, "198.51.100.1", proxies)).toBe("unknown");
    expect(clientAddress("weird", "198.51.100.1", proxies)).toBe("weird");
  });

  it("drops an IPv6 zone index", () => {
    expect(clientAddress("fe80::1%eth0", undefined, proxies)).toBe("fe80::1");
  });
});

describe("canonicalAddress", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::1", "::1"],
    ["::", "::"],
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["FE80::ABCD", "fe80::abcd"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["1.2.3", undefined],
    ["1::2::3", undefined],
  ])("%s → %s", (input, expected) => {
    expect(canonicalAddress(input)).toBe(expected);
  });
});

describe("subscriberKey", () => {
  it("keys IPv4 by address and IPv6 by its /64", () => {
    expect(subscriberKey("198.51.100.7")).toBe("198.51.100.7");
    expect(subscriberKey("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(subscriberKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(subscriberKey("2001:db8:1:2::9")).toBe(subscriberKey("2001:db8:1:2:ffff::1"));
    expect(subscriberKey("2001:db8:1:3::9")).not.toBe(subscriberKey("2001:db8:1:2::9"));
    expect(subscriberKey("unknown")).toBe("unknown");
  });
});
