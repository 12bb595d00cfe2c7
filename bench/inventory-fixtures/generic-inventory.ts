/**
 * The documented generic inventory shape (seed 000): fqdn, addresses, version, os,
 * hardware, network, services, features, custom — grown to size with installed packages.
 */
import { CPU_MODELS, DATACENTERS, DOMAINS, HOST_NAMES, LINUX_DISTROS, PACKAGES, PRODUCTS, SERVICES } from './catalog.ts';
import {
  bumpOneVersion,
  elementBytes,
  growTo,
  moveOneCounter,
  objectAt,
  readdressOne,
  reorderOneList,
  toggleOneFlag,
  type JsonObject,
  type MutationSet,
} from './inventory-mutations.ts';
import type { Random } from './random.ts';

const MIN_SERVICES = 10;
const MAX_SERVICES = 30;
const GIB = 1024 ** 3;

export function buildGenericInventory(random: Random, targetBytes: number): JsonObject {
  const host = `${random.pick(HOST_NAMES)}${random.between(1, 40)}`;
  const domain = random.pick(DOMAINS);
  const distro = random.pick(LINUX_DISTROS);
  const lan = `192.168.${random.between(0, 254)}`;
  const primary = `${lan}.${random.between(10, 250)}`;
  const product = random.pick(PRODUCTS);
  const virtual = product.manufacturer === 'QEMU' || product.manufacturer.startsWith('VMware') || product.manufacturer.startsWith('Microsoft');
  const cores = random.pick([4, 8, 16, 24, 32]);
  const memoryGb = random.pick([16, 32, 64, 128]);

  const services: JsonObject = {};
  for (const [name, version, port] of random.shuffle([...SERVICES]).slice(0, random.between(14, 22))) {
    services[name] = service(random, version, port);
  }

  const inventory: JsonObject = {
    fqdn: `${host}.${domain}`,
    ipv4_address: primary,
    ipv6_address: `2001:db8:${random.hex(4)}::${random.hex(3)}`,
    version: random.pick(['8.0.1', '8.1.0', '8.2.3', '2.4.0', '1.9.7']),
    os: { name: distro.name, version: distro.version, kernel: distro.kernel, type: 'linux', family: distro.family, arch: 'x86_64' },
    hardware: {
      vendor: product.manufacturer,
      product: product.name,
      serial: random.hex(10).toUpperCase(),
      bios_version: `${random.between(1, 2)}.${random.between(0, 19)}.${random.between(0, 9)}`,
      cpu_model: random.pick(CPU_MODELS),
      cpu_cores: cores,
      cpu_threads: cores * 2,
      memory_total_gb: memoryGb,
      memory_used_bytes: Math.round(memoryGb * GIB * (0.2 + random.next() * 0.6)),
      disk_total_gb: 0,
      virtualization: virtual ? random.pick(['kvm', 'vmware', 'hyperv']) : 'physical',
      uptime_seconds: random.between(3_600, 90 * 86_400),
      disks: [] as JsonObject[],
    },
    network: {
      hostname: host,
      domain,
      gateway: `${lan}.1`,
      dns_servers: [`${lan}.1`, random.pick(['1.1.1.1', '8.8.8.8', '9.9.9.9'])],
      interfaces: {
        eth0: networkInterface(random, primary, '255.255.255.0', 1000),
        eth1: networkInterface(random, `10.${random.between(0, 254)}.${random.between(0, 254)}.${random.between(2, 250)}`, '255.255.0.0', 10000),
        ...(random.chance(0.5) && { eth2: networkInterface(random, `172.16.${random.between(0, 31)}.${random.between(2, 250)}`, '255.255.255.0', 1000) }),
      },
    },
    services,
    features: {
      docker: { enabled: random.chance(0.6), version: '24.0.7' },
      firewall: { enabled: true, type: 'nftables', default_zone: 'public' },
      selinux: { enabled: distro.family === 'rhel', mode: 'enforcing' },
      ipv6: { enabled: random.chance(0.7) },
      backup: { enabled: random.chance(0.8), provider: random.pick(['restic', 'borg', 'rsnapshot']), schedule: '0 2 * * *' },
      monitoring: { enabled: true, agent: random.pick(['node_exporter', 'zabbix-agent2', 'telegraf']) },
      fail2ban: { enabled: random.chance(0.5), jails: random.between(1, 6) },
      auto_updates: { enabled: random.chance(0.4), schedule: 'daily' },
      ntp: { enabled: true, servers: ['0.pool.ntp.org', '1.pool.ntp.org'] },
    },
    custom: {
      environment: random.pick(['production', 'staging', 'development']),
      datacenter: random.pick(DATACENTERS),
      backup_enabled: true,
      owner: random.pick(['it-ops', 'platform', 'infra-team', 'sysadmin']),
      cost_center: `CC-${random.between(1000, 9999)}`,
      rack: `R${random.between(1, 12)}-U${random.between(1, 42)}`,
      packages: [] as JsonObject[],
    },
  };

  const hardware = inventory.hardware as JsonObject;
  const disks = hardware.disks as JsonObject[];
  for (const name of random.pick([['sda'], ['sda', 'sdb'], ['nvme0n1', 'nvme1n1'], ['sda', 'sdb', 'sdc']])) {
    const sizeGb = random.pick([240, 480, 960, 1920, 3840]);
    disks.push({
      name,
      model: random.pick(['Samsung SSD 870 EVO', 'INTEL SSDSC2KB960G8', 'ST4000NM000A-2HZ100', 'Micron_5300_MTFD']),
      size_bytes: sizeGb * 1_000_000_000,
      used_bytes: Math.round(sizeGb * 1_000_000_000 * (0.1 + random.next() * 0.6)),
      mountpoint: name === 'sda' || name === 'nvme0n1' ? '/' : `/srv/${name}`,
      filesystem: random.pick(['xfs', 'ext4']),
    });
    hardware.disk_total_gb = (hardware.disk_total_gb as number) + sizeGb;
  }

  const packages = (inventory.custom as JsonObject).packages as JsonObject[];
  let nextPackage = 0;
  growTo(inventory, targetBytes, () => {
    const entry = PACKAGES[nextPackage % PACKAGES.length];
    if (entry === undefined || nextPackage >= PACKAGES.length * 3) return null;
    const round = Math.floor(nextPackage / PACKAGES.length);
    nextPackage++;
    const pkg = { name: round === 0 ? entry[0] : `${entry[0]}-${round === 1 ? 'libs' : 'devel'}`, version: entry[1], arch: 'x86_64' };
    packages.push(pkg);
    return elementBytes(pkg);
  });
  return inventory;
}

export const genericMutations: MutationSet = {
  version: (inventory, random) => bumpOneVersion(inventory.services, random),
  counter: (inventory, random) => moveOneCounter(inventory.hardware, random, (key) => key === 'uptime_seconds' || key.endsWith('used_bytes')),
  membership: (inventory, random) => {
    const services = objectAt(inventory, 'services');
    if (!services) return false;
    const present = Object.keys(services);
    const absent = SERVICES.filter(([name]) => !present.includes(name));
    const add = present.length <= MIN_SERVICES || (present.length < MAX_SERVICES && random.chance(0.5));
    if (add && absent.length > 0) {
      const [name, version, port] = random.pick(absent);
      services[name] = service(random, version, port);
      return true;
    }
    if (present.length === 0) return false;
    delete services[random.pick(present)];
    return true;
  },
  address: (inventory, random) => {
    const primary = inventory.ipv4_address;
    return readdressOne(
      objectAt(inventory, 'network', 'interfaces'),
      random,
      (key) => key === 'ip',
      (ip) => ip === primary,
    );
  },
  toggle: (inventory, random) => toggleOneFlag(inventory.features, random),
  reorder: (inventory, random) => reorderOneList({ disks: objectAt(inventory, 'hardware')?.disks, packages: objectAt(inventory, 'custom')?.packages }, random),
};

function service(random: Random, version: string, port: number | null): JsonObject {
  const running = random.chance(0.9);
  return {
    version,
    status: running ? 'running' : 'stopped',
    enabled: running || random.chance(0.3),
    ...(port !== null && { port }),
  };
}

function networkInterface(random: Random, ip: string, netmask: string, speed: number): JsonObject {
  return { ip, netmask, mac: random.mac('00:1a:2b'), mtu: 1500, speed_mbps: speed, state: 'up' };
}
