import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { genericInventory } from '../../../../test/fixtures/sample-inventories.ts';
import { extractSystemIdentity, SUMMARY_MAX_LENGTH, type SystemIdentity } from './system-identity.ts';

const EMPTY: SystemIdentity = { fqdn: null, ipv4Address: null, ipv6Address: null, version: null, os: null, type: null };

/** Shaped like NS8's print-phonehome output, with the node fields My's collect reads (see README). */
const ns8Facts = {
  $schema: 'https://schema.nethserver.org/facts/2022-12.json',
  uuid: '0c1f6a2e-3f0e-4a5e-9d55-6b7a3c1f2e90',
  installation: 'nethserver',
  facts: {
    cluster: {
      ui_name: 'Acme HQ',
      fqdn: 'cluster.acme.example',
      public_ip: '203.0.113.10',
      subscription: 'enterprise',
      admins: { count: 2, '2fa': 1 },
      repositories: ['default'],
      smarthost: { enabled: true, manual_configuration: false },
      backup: { backup_count: 1, destination_count: 1, destination_providers: ['backblaze'] },
      user_domains: [{ name: 'ad.acme.example', location: 'internal', protocol: 'ldap', schema: 'ad' }],
    },
    nodes: {
      '2': {
        fqdn: 'node2.acme.example',
        default_ipv4: '10.5.0.12',
        cluster_leader: false,
        version: '3.12.1',
        distro: { name: 'Rocky', version: '9.5' },
      },
      '1': {
        fqdn: 'node1.acme.example',
        default_ipv4: '10.5.0.11',
        default_ipv6: '2001:DB8:5::11',
        cluster_leader: true,
        ui_name: 'Primary',
        version: '3.12.1',
        distro: { name: 'Rocky', version: '9.5' },
        processors: { count: 8, model: 'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz', architecture: 'x86_64' },
        virtual: 'kvm',
        memory: { swap: { used_bytes: 0, available_bytes: 4294967296 }, system: { used_bytes: 9126805504, available_bytes: 7514755072 } },
      },
    },
    modules: [
      { id: 'traefik1', module: 'traefik', name: 'Traefik', version: '3.4.1', node: '1', source: 'ghcr.io/nethserver/traefik' },
      { id: 'mail1', module: 'mail', name: 'Mail', version: '1.6.4', node: '1', ui_name: 'Mail', mailboxes_total_count: 42 },
    ],
  },
};

/** Shaped like NethSecurity's phonehome output (ns-phonehome). */
const nsecFacts = {
  $schema: 'https://schema.nethserver.org/facts/2022-12.json',
  uuid: '6e0c9f8b-0d2b-4a6c-8f3e-2b1d5c7a9e41',
  installation: 'nethsecurity',
  facts: {
    distro: { name: 'NethSecurity', version: '8.6.0' },
    processors: { count: '4', model: 'Intel(R) Celeron(R) N5105 @ 2.00GHz', architecture: 'x86_64' },
    product: { name: 'NethSecurity Z4', manufacturer: 'Nethesis' },
    virtual: 'physical',
    memory: { swap: { used_bytes: 0, available_bytes: 0 }, system: { used_bytes: 612368384, available_bytes: 7301316608 } },
    pci: [{ class_id: '0200', vendor_id: '8086', device_id: '125c', revision: '04', driver: 'igc' }],
    mountpoints: { '/': { size_bytes: 256704512, used_bytes: 71700480, available_bytes: 185004032 } },
    features: { snort: { enabled: true, policy: 'balanced' }, dpi: { enabled: false, rules: 0 } },
  },
};

/** The seed's minimum inventory, verbatim. */
const seedMinimum = {
  fqdn: 'server.example.com',
  ipv4_address: '192.168.1.100',
  os: {
    name: 'NethSec',
    type: 'nethsecurity',
    family: 'OpenWRT',
    release: { full: '8.6.0-dev+43d54cd33.20251020175318', major: 7 },
  },
};

/** The seed's full generic inventory, verbatim (shared with the diff and API tests). */
const seedFull = genericInventory();

const parse = (json: string) => JSON.parse(json) as Record<string, unknown>;
const summarize = (value: unknown) => extractSystemIdentity(value as Record<string, unknown>);

describe('extractSystemIdentity: NethServer 8 facts', () => {
  it('reads the leader node, whatever the key order', () => {
    assert.deepEqual(extractSystemIdentity(ns8Facts), {
      fqdn: 'node1.acme.example',
      ipv4Address: '10.5.0.11',
      ipv6Address: '2001:db8:5::11',
      version: '3.12.1',
      os: 'Rocky 9.5',
      type: 'ns8',
    });
  });

  it('falls back to node 1, then to the cluster and top-level fields', () => {
    const facts = {
      cluster: { fqdn: 'cluster.acme.example', public_ip: '203.0.113.10' },
      nodes: { '3': { version: '3.11.0' }, '1': { version: '3.12.0', distro: { name: 'Debian', version: '12' } } },
      modules: [],
    };
    assert.deepEqual(extractSystemIdentity({ installation: 'nethserver', facts, ipv6_address: '2001:db8::7' }), {
      fqdn: 'cluster.acme.example',
      ipv4Address: '203.0.113.10',
      ipv6Address: '2001:db8::7',
      version: '3.12.0',
      os: 'Debian 12',
      type: 'ns8',
    });
  });

  it('takes the lowest node id when there is neither a flagged leader nor a node 1', () => {
    const facts = { cluster: [], nodes: { '7': { version: '3.1.0' }, '4': { version: '3.0.2' } }, modules: [] };
    assert.equal(extractSystemIdentity({ installation: 'nethserver', facts }).version, '3.0.2');
  });

  it('accepts nodes as an array of objects with ids', () => {
    const facts = {
      nodes: [
        { id: 2, version: '8.3.0' },
        { id: 1, version: '8.2.0', fqdn: 'a.example' },
      ],
      modules: [],
    };
    const summary = extractSystemIdentity({ installation: 'NethServer ', facts });
    assert.equal(summary.version, '8.2.0');
    assert.equal(summary.fqdn, 'a.example');
    assert.equal(summary.type, 'ns8');
  });

  it('knows the type even without facts', () => {
    assert.deepEqual(extractSystemIdentity({ installation: 'nethserver', fqdn: 'ns8.example' }), {
      ...EMPTY,
      fqdn: 'ns8.example',
      type: 'ns8',
    });
  });
});

describe('extractSystemIdentity: NethSecurity facts', () => {
  it('reads the distro as os and version; the facts carry no fqdn or address', () => {
    assert.deepEqual(extractSystemIdentity(nsecFacts), {
      ...EMPTY,
      version: '8.6.0',
      os: 'NethSecurity 8.6.0',
      type: 'nsec',
    });
  });

  it('uses top-level fields when the appliance adds them, and the older facts.version', () => {
    const inventory = {
      installation: 'nethsecurity',
      fqdn: 'fw.acme.example',
      ipv4_address: '198.51.100.7',
      facts: { version: '1.6.0', features: {} },
    };
    assert.deepEqual(extractSystemIdentity(inventory), {
      fqdn: 'fw.acme.example',
      ipv4Address: '198.51.100.7',
      ipv6Address: null,
      version: '1.6.0',
      os: 'NethSecurity 1.6.0',
      type: 'nsec',
    });
  });
});

describe('extractSystemIdentity: generic shape', () => {
  it('summarizes the seed minimum inventory as a NethSecurity system', () => {
    assert.deepEqual(extractSystemIdentity(seedMinimum), {
      fqdn: 'server.example.com',
      ipv4Address: '192.168.1.100',
      ipv6Address: null,
      version: '8.6.0-dev+43d54cd33.20251020175318',
      os: 'NethSec 8.6.0-dev+43d54cd33.20251020175318',
      type: 'nsec',
    });
  });

  it('summarizes the seed full example', () => {
    assert.deepEqual(extractSystemIdentity(seedFull), {
      fqdn: 'server.example.com',
      ipv4Address: '192.168.1.100',
      ipv6Address: '2001:db8::1',
      version: '8.0.1',
      os: 'Rocky Linux 9.3',
      type: null,
    });
  });

  it('reads the legacy ns-plug fields and maps the old NextSecurity type', () => {
    const legacy = {
      networking: { fqdn: 'fw.acme.example' },
      public_ip: '203.0.113.99',
      os: { type: 'nextsecurity', name: 'NextSec', release: { full: '8-23.05.2-ns.0.0.1', major: 7 }, family: 'OpenWRT' },
    };
    assert.deepEqual(extractSystemIdentity(legacy), {
      fqdn: 'fw.acme.example',
      ipv4Address: '203.0.113.99',
      ipv6Address: null,
      version: '8-23.05.2-ns.0.0.1',
      os: 'NextSec 8-23.05.2-ns.0.0.1',
      type: 'nsec',
    });
  });

  it('keeps an unknown os.type, lower-cased, and does not take a plain Linux release as the version', () => {
    const summary = extractSystemIdentity({ os: { name: 'Ubuntu', type: 'Linux', release: { full: '24.04' } } });
    assert.deepEqual(summary, { ...EMPTY, os: 'Ubuntu 24.04', type: 'linux' });
  });

  it('does not repeat a version the os name already ends with, and accepts os as a string', () => {
    assert.equal(extractSystemIdentity({ os: { name: 'Rocky Linux 9.3', version: '9.3' } }).os, 'Rocky Linux 9.3');
    assert.equal(extractSystemIdentity({ os: { name: 'Debian 12', version: '2' } }).os, 'Debian 12 2');
    assert.equal(extractSystemIdentity({ os: '  Alpine Linux 3.20 ' }).os, 'Alpine Linux 3.20');
  });

  it('turns a numeric version into text', () => {
    assert.equal(extractSystemIdentity({ version: 8 }).version, '8');
  });
});

describe('extractSystemIdentity: odd and hostile input', () => {
  it('returns an empty summary for values that are not objects', () => {
    for (const value of [null, undefined, 42, 'inventory', [], [{ fqdn: 'x' }], true]) {
      assert.deepEqual(summarize(value), EMPTY);
    }
    assert.deepEqual(extractSystemIdentity({}), EMPTY);
  });

  it('ignores fields of the wrong type', () => {
    const garbage = {
      fqdn: { name: 'x' },
      ipv4_address: 3232235876,
      ipv6_address: ['2001:db8::1'],
      version: NaN,
      os: { name: ['Rocky'], type: 12, release: 'full' },
      installation: { name: 'nethserver' },
    };
    assert.deepEqual(extractSystemIdentity(garbage), EMPTY);
    assert.deepEqual(extractSystemIdentity({ installation: 'nethserver', facts: [] }), { ...EMPTY, type: 'ns8' });
    assert.deepEqual(extractSystemIdentity({ installation: 'nethsecurity', facts: 'x' }), { ...EMPTY, type: 'nsec' });
    const oddNodes = { installation: 'nethserver', facts: { nodes: { '1': 'node', '2': null, '3': [] }, cluster: 7 } };
    assert.deepEqual(extractSystemIdentity(oddNodes), { ...EMPTY, type: 'ns8' });
    const oddDistro = { installation: 'nethsecurity', facts: { distro: { name: 5, version: {} } } };
    assert.deepEqual(extractSystemIdentity(oddDistro), { ...EMPTY, type: 'nsec' });
  });

  it('accepts only well-formed addresses of the right family', () => {
    const cases: Array<[unknown, unknown, string | null, string | null]> = [
      [' 10.0.0.1 ', ' FE80::1 ', '10.0.0.1', 'fe80::1'],
      ['999.1.1.1', '2001:db8::g', null, null],
      ['192.168.1.1/24', '2001:db8::/64', null, null],
      ['2001:db8::1', '10.0.0.1', null, null],
      ['01.2.3.4', 'not an address', null, null],
      ['', '', null, null],
    ];
    for (const [ipv4, ipv6, expected4, expected6] of cases) {
      const summary = summarize({ ipv4_address: ipv4, ipv6_address: ipv6 });
      assert.equal(summary.ipv4Address, expected4, `ipv4 ${String(ipv4)}`);
      assert.equal(summary.ipv6Address, expected6, `ipv6 ${String(ipv6)}`);
    }
    const badLeader = { installation: 'nethserver', facts: { nodes: { '1': { default_ipv4: 'dhcp', default_ipv6: 'none' } } } };
    assert.equal(extractSystemIdentity(badLeader).ipv4Address, null);
  });

  it('trims, strips control characters and caps strings', () => {
    const long = 'a'.repeat(10_000);
    const summary = extractSystemIdentity({ fqdn: `  ${long}  `, version: ' 1.2\u0000.3\n', os: { name: '\t\t' } });
    assert.equal(summary.fqdn, 'a'.repeat(SUMMARY_MAX_LENGTH));
    assert.equal(summary.version, '1.2 .3');
    assert.equal(summary.os, null);
    const longOs = extractSystemIdentity({ os: { name: 'x'.repeat(250), version: '9.3.1234567' } }).os;
    assert.equal(longOs?.length, SUMMARY_MAX_LENGTH);
  });

  it('never cuts a surrogate pair in half and repairs lone surrogates', () => {
    const fqdn = extractSystemIdentity({ fqdn: `${'a'.repeat(SUMMARY_MAX_LENGTH - 1)}😀` }).fqdn;
    assert.equal(fqdn, 'a'.repeat(SUMMARY_MAX_LENGTH - 1));
    assert.equal(extractSystemIdentity({ fqdn: 'host\uD800.example' }).fqdn, 'host\uFFFD.example');
  });

  it('reads own properties only, so prototype names are never mistaken for data', () => {
    assert.deepEqual(extractSystemIdentity({ os: { type: 'constructor' } }), { ...EMPTY, type: 'constructor' });
    const proto = parse('{"installation":"nethserver","facts":{"nodes":{"__proto__":{"cluster_leader":true,"fqdn":"evil"}}}}');
    assert.deepEqual(extractSystemIdentity(proto), { ...EMPTY, fqdn: 'evil', type: 'ns8' });
    assert.deepEqual(extractSystemIdentity(parse('{"toString":"x","valueOf":"y"}')), EMPTY);
  });

  it('does not throw on hostile objects', () => {
    const throwing = {
      get fqdn(): string {
        throw new Error('boom');
      },
    };
    assert.deepEqual(summarize(throwing), EMPTY);
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        has() {
          throw new Error('boom');
        },
      },
    );
    assert.deepEqual(summarize(proxy), EMPTY);
  });
});
