/**
 * NethSecurity facts: `{"$schema", "uuid", "installation": "nethsecurity", "facts": {distro,
 * processors, product, virtual, memory, pci, mountpoints, features}}` as the ns-phonehome
 * script assembles them, `features` holding what python3-nethsec's `fact_*` functions report.
 * The facts carry no interface addresses, so an "address" change here is a routing change.
 */
import { CPU_MODELS, FIREWALL_PRODUCTS, PCI_DEVICES } from './catalog.ts';
import {
  arrayAt,
  bumpOneVersion,
  elementBytes,
  growTo,
  isObject,
  moveOneCounter,
  objectAt,
  reorderOneList,
  toggleOneFlag,
  type JsonObject,
  type MutationSet,
} from './inventory-mutations.ts';
import type { Random } from './random.ts';

const CORE_ZONES = ['lan', 'wan'];
const OPTIONAL_ZONES = ['guest', 'dmz', 'voip', 'iot', 'cameras', 'hotspot', 'rwopenvpn', 'openvpn', 'ipsec', 'wg1vpn', 'servers', 'lab'];
const MIN_ZONES = 3;
const MAX_ZONES = 10;
const MAX_PCI = 64;

export function buildNsecInventory(random: Random, targetBytes: number): JsonObject {
  const product = random.pick(FIREWALL_PRODUCTS);
  const memory = random.pick([4, 8, 16]) * 1024 ** 3;
  const used = Math.round(memory * (0.08 + random.next() * 0.3));
  const rootSize = random.pick([256704512, 1023410176, 15000317696]);
  const rootUsed = Math.round(rootSize * (0.2 + random.next() * 0.4));
  const pci = random
    .shuffle([...PCI_DEVICES])
    .slice(0, 6)
    .map((device) => ({ ...device }));

  const inventory: JsonObject = {
    $schema: 'https://schema.nethserver.org/facts/2022-12.json',
    uuid: random.uuid(),
    installation: 'nethsecurity',
    facts: {
      distro: { name: 'NethSecurity', version: random.pick(['8.5.2', '8.6.0', '8.6.1']) },
      processors: { count: String(random.pick([2, 4, 8])), model: random.pick(CPU_MODELS), architecture: 'x86_64' },
      product: { ...product, uuid: random.uuid() },
      virtual: product.manufacturer === 'QEMU' ? 'KVM' : 'physical',
      memory: {
        swap: { used_bytes: 0, available_bytes: 0 },
        system: { used_bytes: used, available_bytes: memory - used },
      },
      pci,
      mountpoints: {
        '/': { size_bytes: rootSize, used_bytes: rootUsed, available_bytes: rootSize - rootUsed },
        ...(random.chance(0.5) && {
          '/mnt/data': { size_bytes: 118_006_329_344, used_bytes: random.between(1, 40) * 1024 ** 3, available_bytes: 90_000_000_000 },
        }),
      },
      features: features(random),
    },
  };

  growTo(inventory, targetBytes, () => {
    if (pci.length >= MAX_PCI) return null;
    const device = { ...random.pick(PCI_DEVICES) };
    pci.push(device);
    return elementBytes(device);
  });
  return inventory;
}

export const nsecMutations: MutationSet = {
  version: (inventory, random) => bumpOneVersion(objectAt(inventory, 'facts', 'distro'), random),
  counter: (inventory, random) => {
    const facts = objectAt(inventory, 'facts');
    const where = random.pick(['memory', 'mountpoints', 'features'] as const);
    if (where === 'features') {
      return moveOneCounter(objectAt(facts, 'features', 'dhcp_server'), random, (key) => key === 'dynamic_leases');
    }
    return moveOneCounter(objectAt(facts, where), random, (key) => key === 'used_bytes' || key === 'available_bytes');
  },
  membership: (inventory, random) => {
    const zones = arrayAt(inventory, 'facts', 'features', 'network', 'zones');
    if (!zones) return false;
    const names = zones.map((zone) => (isObject(zone) ? zone.name : undefined));
    const removable = zones.filter((zone) => isObject(zone) && !CORE_ZONES.includes(String(zone.name)));
    const absent = OPTIONAL_ZONES.filter((name) => !names.includes(name));
    const add = zones.length <= MIN_ZONES || (zones.length < MAX_ZONES && random.chance(0.5));
    if (add && absent.length > 0) {
      zones.push({ name: random.pick(absent), ipv4: random.between(0, 2), ipv6: 0 });
      return true;
    }
    if (removable.length === 0) return false;
    zones.splice(zones.indexOf(random.pick(removable)), 1);
    return true;
  },
  // No addresses in NethSecurity facts: a static route added or removed is the nearest thing.
  address: (inventory, random) =>
    moveOneCounter(objectAt(inventory, 'facts', 'features', 'network', 'route_info'), random, (key) => key.startsWith('count_ipv4')),
  toggle: (inventory, random) => toggleOneFlag(objectAt(inventory, 'facts', 'features'), random),
  reorder: (inventory, random) => reorderOneList(objectAt(inventory, 'facts', 'features'), random),
};

function features(random: Random): JsonObject {
  const zones = [...CORE_ZONES, ...random.shuffle([...OPTIONAL_ZONES]).slice(0, random.between(2, 5))].map((name) => ({
    name,
    ipv4: name === 'lan' || name === 'wan' ? random.between(1, 2) : random.between(0, 1),
    ipv6: random.chance(0.1) ? 1 : 0,
  }));
  const wireguard = random.between(0, 3);
  const rwInstances = random.between(0, 2);
  const tunnels = random.between(0, 4);
  const databases = ['main', ...(random.chance(0.6) ? ['NethService'] : []), ...(random.chance(0.3) ? ['ad_remote'] : [])];
  return {
    ha: { enabled: random.chance(0.2), vips: random.between(0, 12) },
    ui: { luci: random.chance(0.2), port443: true, port9090: random.chance(0.7) },
    dpi: { enabled: random.chance(0.5), rules: random.between(0, 20) },
    qos: { count: 1, rules: [{ enabled: true, upload: random.pick([20, 50, 100, 900]), download: random.pick([40, 100, 300, 900]) }] },
    ddns: { enabled: random.chance(0.3) },
    snmp: { enabled: random.chance(0.4) },
    ipsec: { count: random.between(0, 6) },
    snort: {
      enabled: random.chance(0.6),
      policy: random.pick(['connectivity', 'balanced', 'security']),
      oink_enabled: random.chance(0.4),
      disabled_rules: random.between(0, 10),
      bypass_src_ipv4: random.between(0, 4),
      bypass_src_ipv6: 0,
      bypass_dst_ipv4: random.between(0, 4),
      bypass_dst_ipv6: 0,
      suppressed_rules: random.between(0, 5),
    },
    adblock: { enabled: random.chance(0.5), community: random.between(0, 3), enterprise: random.between(0, 5) },
    backups: { backup_passphrase: random.chance(0.7), passphrase_date: 1_740_000_000 + random.between(0, 20_000_000) },
    hotspot: { enabled: random.chance(0.2), server: 'https://my.nethspot.com/api', interface: random.chance(0.5) ? 'eth0.10' : '' },
    netifyd: { enabled: random.chance(0.5) },
    network: {
      zones,
      route_info: { count_ipv4_route: random.between(0, 12), count_ipv6_route: random.between(0, 2) },
      interface_counts: { bonds: random.between(0, 1), vlans: random.between(0, 6), bridges: random.between(0, 2) },
      zone_network_counts: Object.fromEntries(zones.map((zone) => [zone.name, zone.ipv4 + zone.ipv6])),
    },
    storage: { enabled: random.chance(0.5) },
    multiwan: {
      enabled: random.chance(0.4),
      rules: random.between(0, 5),
      policies: { backup: random.between(0, 2), custom: random.between(0, 1), balance: random.between(0, 1) },
    },
    wireguard: {
      instances: wireguard,
      statistics: Array.from({ length: wireguard }, (_, i) => ({
        server: `wg${i + 1}`,
        peers: random.between(1, 40),
        ns_user_db: i === 0 ? 'main' : 'NethService',
      })),
    },
    controller: { enabled: random.chance(0.5) },
    flashstart: { enabled: random.chance(0.2), bypass: random.between(0, 5), pro_plus: false, custom_servers: 0 },
    nathelpers: { count: random.between(0, 3), enabled: random.chance(0.3) },
    openvpn_rw: {
      server: rwInstances,
      enabled: rwInstances,
      instances: Array.from({ length: rwInstances }, (_, i) => ({
        mode: 'tun',
        section: `ns_roadwarrior${i + 1}`,
        user_database: i === 0 ? 'main' : 'NethService',
        authentication: random.pick(['certificate', 'username_password', 'username_password_certificate', 'username_otp_certificate']),
      })),
    },
    proxy_pass: { count: random.between(0, 8) },
    dhcp_server: {
      count: random.between(1, 6),
      static_leases: random.between(0, 150),
      dynamic_leases: random.between(5, 250),
      dns_records_count: random.between(0, 60),
      dns_forwarder_enabled: random.chance(0.7),
    },
    openvpn_tun: {
      client: Math.floor(tunnels / 2),
      server: tunnels - Math.floor(tunnels / 2),
      tunnels: Array.from({ length: tunnels }, (_, i) => ({ mode: 'tun', section: `ns_tunnel${i + 1}` })),
    },
    threat_shield: { enabled: random.chance(0.6), community: random.between(0, 3), enterprise: random.between(0, 6) },
    database_stats: Object.fromEntries(databases.map((name) => [name, { users: random.between(1, 150) }])),
    firewall_stats: {
      objects: {
        hosts: random.between(0, 40),
        rules: { input: random.between(0, 5), output: random.between(0, 3), forward: random.between(0, 20) },
        domains: random.between(0, 10),
        mwan_rules: random.between(0, 3),
        port_forward: { allowed_from: random.between(0, 5), destination_to: random.between(0, 5) },
      },
      firewall: {
        nat: { snat: random.between(0, 4), accept: random.between(0, 2), masquerade: random.between(0, 2) },
        rules: { input: random.between(2, 20), output: random.between(0, 5), forward: random.between(2, 40) },
        netmap: { source: random.between(0, 2), destination: random.between(0, 2) },
        port_forward: random.between(0, 40),
      },
    },
    mac_ip_binding: { disabled: random.between(0, 4), 'hard-binding': random.between(0, 2), 'soft-binding': random.between(0, 2) },
    certificates_info: {
      acme_certificates: { count: random.between(0, 3), issued: random.between(0, 3), pending: 0 },
      custom_certificates: { count: random.between(0, 2) },
    },
    subscription_status: { status: random.pick(['enterprise', 'community', 'no']) },
  };
}
