/**
 * A host's canonical facts and system profile, derived from its latest inventory when that
 * inventory is processed (not per request), in the vocabulary of the host-inventory peer's
 * system profile (SPEC §8.3) so that every dialect's systems can be listed and filtered as hosts.
 * One mapping for every inventory shape Muster receives: the generic one, NethServer 8 and
 * NethSecurity facts (`installation` + `facts`), and the monitoring agent's static part. Where
 * each field comes from is written down in README.md beside this file.
 *
 * Inventories are untrusted JSON: nothing here throws, text is cleaned and capped, lists are
 * capped at MAX_LIST_ITEMS, and a field that cannot be read is left out rather than guessed.
 */
import { field, ipv4, ipv6, isObject, leaderNode, numberOrText, path, text, type JsonObject } from '../system-identity/json-reading.ts';

/** Items kept per list (interfaces, disks, services, …): a profile stays a few kilobytes. */
export const MAX_LIST_ITEMS = 256;

export interface CanonicalFacts {
  fqdn?: string;
  ip_addresses?: string[];
  mac_addresses?: string[];
  bios_uuid?: string;
  insights_id?: string;
  subscription_manager_id?: string;
  satellite_id?: string;
  provider_id?: string;
  provider_type?: string;
}

export interface OperatingSystem {
  name: string;
  major: number;
  minor: number;
}

export interface NetworkInterface {
  name: string;
  ipv4_addresses?: string[];
  ipv6_addresses?: string[];
  mac_address?: string;
  type?: string;
}

export interface DiskDevice {
  mount_point: string;
  type?: string;
  size_bytes?: number;
}

export interface InstalledProduct {
  name: string;
  id?: string;
  status?: string;
}

/** The profile fields Muster derives; each is absent when the inventory does not tell. */
export interface SystemProfile {
  operating_system?: OperatingSystem;
  os_release?: string;
  os_kernel_version?: string;
  arch?: string;
  number_of_cpus?: number;
  number_of_sockets?: number;
  cores_per_socket?: number;
  cpu_model?: string;
  system_memory_bytes?: number;
  infrastructure_type?: 'virtual' | 'physical';
  infrastructure_vendor?: string;
  network_interfaces?: NetworkInterface[];
  disk_devices?: DiskDevice[];
  installed_products?: InstalledProduct[];
  installed_services?: string[];
  enabled_services?: string[];
  running_processes?: string[];
  host_type?: string;
}

export interface HostProfile {
  canonicalFacts: CanonicalFacts;
  systemProfile: SystemProfile;
}

const GIB = 1024 ** 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC = /^(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
const PROVIDER_TYPES = new Set(['alibaba', 'aws', 'azure', 'gcp', 'ibm', 'discovery']);
/** NS8's and NethSecurity's `virtual`: a hypervisor's name, or `physical`/`none`. */
const PHYSICAL = new Set(['physical', 'none', 'bare-metal', 'baremetal']);

export function deriveHostProfile(inventory: unknown): HostProfile {
  try {
    if (!isObject(inventory)) return empty();
    const installation = text(field(inventory, 'installation'))?.toLowerCase();
    const facts = field(inventory, 'facts');
    const profile =
      installation === 'nethserver' && isObject(facts)
        ? fromNethServer(inventory, facts)
        : installation === 'nethsecurity' && isObject(facts)
          ? fromNethSecurity(inventory, facts)
          : isObject(field(inventory, 'monitoring'))
            ? fromMonitoring(inventory)
            : fromGeneric(inventory);
    // Ids any shape may carry at its top level (an agent that knows them sends them).
    Object.assign(profile.canonicalFacts, ids(inventory));
    return { canonicalFacts: withoutEmpty(profile.canonicalFacts), systemProfile: withoutEmpty(profile.systemProfile) };
  } catch {
    // Only a hostile object (a throwing getter or a proxy) gets here; JSON.parse output never does.
    return empty();
  }
}

function empty(): HostProfile {
  return { canonicalFacts: {}, systemProfile: {} };
}

/** The seed's generic shape: `os{name,version,kernel}`, `hardware{…}`, `network.interfaces`, `services`. */
function fromGeneric(inventory: JsonObject): HostProfile {
  const os = field(inventory, 'os');
  const hardware = field(inventory, 'hardware');
  const kernel = text(field(os, 'kernel')) ?? text(field(os, 'kernel_version'));
  const release = numberOrText(field(os, 'version')) ?? numberOrText(path(os, 'release', 'full'));
  const interfaces = keyedList(path(inventory, 'network', 'interfaces'), (name, entry) =>
    networkInterface(name, [field(entry, 'ip'), field(entry, 'ipv4')], [field(entry, 'ipv6')], field(entry, 'mac'), field(entry, 'type')),
  );
  const services = field(inventory, 'services');
  const serviceNames = isObject(services) ? capped(Object.keys(services).map(text)) : Array.isArray(services) ? capped(services.map(text)) : [];
  const running = isObject(services)
    ? capped(Object.entries(services).map(([name, entry]) => (text(field(entry, 'status'))?.toLowerCase() === 'running' ? text(name) : null)))
    : [];
  const cores = count(field(hardware, 'cpu_cores'));
  const sockets = count(field(hardware, 'cpu_sockets'));
  const systemProfile: SystemProfile = {
    operating_system: operatingSystem(isObject(os) ? field(os, 'name') : null, release) ?? operatingSystemOf(text(os)),
    os_release: release ?? releaseOf(text(os)) ?? undefined,
    os_kernel_version: kernel ?? undefined,
    arch: text(field(hardware, 'arch')) ?? text(field(os, 'arch')) ?? archOfKernel(kernel),
    number_of_cpus: count(field(hardware, 'cpu_threads')) ?? cores,
    number_of_sockets: sockets,
    cores_per_socket: cores !== undefined ? Math.max(1, Math.round(cores / (sockets ?? 1))) : undefined,
    cpu_model: text(field(hardware, 'cpu_model')) ?? undefined,
    system_memory_bytes: bytesOf(field(hardware, 'memory_total_gb'), GIB) ?? bytesOf(field(hardware, 'memory_total_bytes'), 1),
    network_interfaces: interfaces,
    installed_services: serviceNames,
    enabled_services: running,
  };
  return { canonicalFacts: addresses(inventory, interfaces), systemProfile };
}

/** NethServer 8: a cluster, represented by its leader node (as the summary fields are). */
function fromNethServer(inventory: JsonObject, facts: JsonObject): HostProfile {
  const leader = leaderNode(field(facts, 'nodes'));
  // The product's release is the node's NethServer version, not its distribution's.
  const version = numberOrText(field(leader, 'version')) ?? numberOrText(path(facts, 'cluster', 'version')) ?? numberOrText(field(inventory, 'version'));
  const release = numberOrText(path(leader, 'distro', 'version'));
  const modules = field(facts, 'modules');
  const interfaces = nethInterfaces(path(leader, 'network', 'configuration'));
  const systemProfile: SystemProfile = {
    ...nethHardware(leader),
    operating_system: operatingSystem(path(leader, 'distro', 'name'), release),
    os_release: release ?? undefined,
    network_interfaces: interfaces,
    disk_devices: nethDisks(field(leader, 'mountpoints')),
    // Each module instance is a service of the cluster (traefik1, mail1, …).
    installed_services: Array.isArray(modules) ? capped(modules.map((module: unknown) => text(field(module, 'id')))) : [],
    installed_products: [productOf('NethServer', 'nethserver', version)],
  };
  const canonicalFacts = {
    fqdn: text(field(leader, 'fqdn')) ?? undefined,
    ...addressesOf([field(leader, 'default_ipv4'), field(leader, 'default_ipv6')], interfaces),
  };
  return { canonicalFacts, systemProfile };
}

/** NethSecurity: one firewall; its enabled features are its enabled services. */
function fromNethSecurity(inventory: JsonObject, facts: JsonObject): HostProfile {
  const release = numberOrText(path(facts, 'distro', 'version')) ?? numberOrText(field(facts, 'version'));
  const features = field(facts, 'features');
  const interfaces = nethInterfaces(path(features, 'network', 'configuration'));
  const enabled = isObject(features) ? capped(Object.entries(features).map(([name, feature]) => (field(feature, 'enabled') === true ? text(name) : null))) : [];
  const systemProfile: SystemProfile = {
    ...nethHardware(facts),
    operating_system: operatingSystem(text(path(facts, 'distro', 'name')) ?? 'NethSecurity', release),
    os_release: release ?? undefined,
    network_interfaces: interfaces,
    disk_devices: nethDisks(field(facts, 'mountpoints')),
    enabled_services: enabled,
    installed_products: [productOf('NethSecurity', 'nethsecurity', release ?? numberOrText(field(inventory, 'version')))],
  };
  const canonicalFacts = {
    fqdn: text(field(facts, 'fqdn')) ?? undefined,
    ...addressesOf([field(facts, 'default_ipv4'), field(facts, 'default_ipv6')], interfaces),
  };
  return { canonicalFacts, systemProfile };
}

/** The monitoring agent's static part (src/dialects/monitoring's inventory): disks, GPUs, containers. */
function fromMonitoring(inventory: JsonObject): HostProfile {
  const monitoring = field(inventory, 'monitoring');
  const os = text(field(inventory, 'os'));
  const machineType = text(field(monitoring, 'machine_type'))?.toLowerCase();
  const containers = field(monitoring, 'containers');
  const systemProfile: SystemProfile = {
    operating_system: operatingSystemOf(os),
    os_release: releaseOf(os) ?? undefined,
    infrastructure_type: machineType === 'vm' ? 'virtual' : machineType === 'host' ? 'physical' : undefined,
    disk_devices: keyedList(field(monitoring, 'disks'), (mountPoint, disk) => {
      const mount = text(mountPoint);
      return mount === null ? null : { mount_point: mount, type: text(field(disk, 'fstype')) ?? undefined, size_bytes: bytesOf(field(disk, 'total_gb'), GIB) };
    }),
    // A server's containers are what runs on it.
    running_processes: isObject(containers) ? capped(Object.keys(containers).map(text)) : [],
    host_type: machineType === 'container' ? 'container' : undefined,
  };
  return { canonicalFacts: addresses(inventory, []), systemProfile };
}

function nethHardware(node: unknown): SystemProfile {
  const virtual = text(field(node, 'virtual'))?.toLowerCase();
  const used = number(path(node, 'memory', 'system', 'used_bytes'));
  const available = number(path(node, 'memory', 'system', 'available_bytes'));
  const kernel = text(field(node, 'kernel_version'));
  return {
    os_kernel_version: kernel ?? undefined,
    arch: text(path(node, 'processors', 'architecture')) ?? archOfKernel(kernel),
    number_of_cpus: count(path(node, 'processors', 'count')),
    cpu_model: text(path(node, 'processors', 'model')) ?? undefined,
    system_memory_bytes: used !== undefined && available !== undefined ? Math.round(used + available) : undefined,
    infrastructure_type: virtual === undefined ? undefined : PHYSICAL.has(virtual) ? 'physical' : 'virtual',
    infrastructure_vendor: virtual !== undefined && !PHYSICAL.has(virtual) ? virtual : undefined,
  };
}

function nethInterfaces(configuration: unknown): NetworkInterface[] {
  return keyedList(configuration, (key, entry) => {
    const listed = field(entry, 'addresses');
    const fromList = Array.isArray(listed) ? listed.map((address: unknown) => field(address, 'address')) : [];
    return networkInterface(
      text(field(entry, 'name')) ?? key,
      [path(entry, 'props', 'ipaddr'), ...fromList],
      fromList,
      field(entry, 'mac'),
      field(entry, 'type'),
    );
  });
}

function nethDisks(mountpoints: unknown): DiskDevice[] {
  return keyedList(mountpoints, (mountPoint, entry) => {
    const mount = text(mountPoint);
    const size = number(field(entry, 'size_bytes')) ?? number(field(entry, 'total_bytes'));
    return mount === null ? null : { mount_point: mount, size_bytes: size === undefined ? undefined : Math.round(size) };
  });
}

function networkInterface(name: string, v4: unknown[], v6: unknown[], mac: unknown, type: unknown): NetworkInterface | null {
  const interfaceName = text(name);
  if (interfaceName === null) return null;
  const macAddress = text(mac);
  return withoutEmpty({
    name: interfaceName,
    ipv4_addresses: unique(v4.map(ipv4)),
    ipv6_addresses: unique(v6.map(ipv6)),
    mac_address: macAddress !== null && MAC.test(macAddress) ? macAddress.toLowerCase().replaceAll('-', ':') : undefined,
    type: text(type) ?? undefined,
  });
}

/** Canonical addresses: the inventory's own, then each interface's. */
function addresses(inventory: JsonObject, interfaces: readonly NetworkInterface[]): CanonicalFacts {
  return {
    fqdn: text(field(inventory, 'fqdn')) ?? text(path(inventory, 'networking', 'fqdn')) ?? undefined,
    ...addressesOf([field(inventory, 'ipv4_address'), field(inventory, 'ipv6_address'), field(inventory, 'public_ip')], interfaces),
  };
}

function addressesOf(own: unknown[], interfaces: readonly NetworkInterface[]): CanonicalFacts {
  const ips = unique([
    ...own.map((value) => ipv4(value) ?? ipv6(value)),
    ...interfaces.flatMap((entry) => [...(entry.ipv4_addresses ?? []), ...(entry.ipv6_addresses ?? [])]),
  ]);
  const macs = unique(interfaces.map((entry) => entry.mac_address ?? null));
  return { ip_addresses: ips, mac_addresses: macs };
}

function ids(inventory: JsonObject): CanonicalFacts {
  const uuid = (value: unknown) => {
    const id = text(value);
    return id !== null && UUID.test(id) ? id.toLowerCase() : undefined;
  };
  const providerType = text(field(inventory, 'provider_type'))?.toLowerCase();
  const providerId = text(field(inventory, 'provider_id'));
  const found: CanonicalFacts = {
    bios_uuid: uuid(field(inventory, 'bios_uuid')),
    insights_id: uuid(field(inventory, 'insights_id')),
    subscription_manager_id: uuid(field(inventory, 'subscription_manager_id')),
    satellite_id: uuid(field(inventory, 'satellite_id')),
  };
  // The peer accepts a provider id only with a known provider type, and the two only together.
  if (providerId !== null && providerType !== undefined && PROVIDER_TYPES.has(providerType))
    Object.assign(found, { provider_id: providerId, provider_type: providerType });
  return withoutEmpty(found);
}

function productOf(name: string, id: string, release: string | null): InstalledProduct {
  return { name: release ? `${name} ${release}` : name, id, status: 'installed' };
}

/** `{name, major, minor}` from a name and a release such as `9.3`, `22.04.3` or `8.5.1-dev`. */
function operatingSystem(name: unknown, release: string | null): OperatingSystem | undefined {
  const osName = text(name);
  const match = release === null ? null : /^(\d{1,6})(?:\.(\d{1,6}))?/.exec(release);
  if (osName === null || match === null) return undefined;
  return { name: osName, major: Number(match[1]), minor: Number(match[2] ?? 0) };
}

/** From one string such as `Ubuntu 22.04.3 LTS` or `Rocky Linux 9.3 (Blue Onyx)`: the words before the first version. */
function operatingSystemOf(os: string | null): OperatingSystem | undefined {
  if (os === null) return undefined;
  const match = /^(.*?)\s+v?(\d{1,6}(?:\.\d{1,6})*)/.exec(os);
  return match ? operatingSystem(match[1], match[2]!) : undefined;
}

function releaseOf(os: string | null): string | null {
  return os === null ? null : (/\s+v?(\d{1,6}(?:\.\d{1,6})*)/.exec(os)?.[1] ?? null);
}

function archOfKernel(kernel: string | null): string | undefined {
  return kernel === null ? undefined : /\.(x86_64|aarch64|ppc64le|s390x|i686|armv7hl)$/.exec(kernel)?.[1];
}

/** A whole count from a number or a numeric string (NethSecurity sends `"count": "4"`). */
function count(value: unknown): number | undefined {
  const parsed = typeof value === 'string' && /^\d{1,9}$/.test(value.trim()) ? Number(value) : value;
  return typeof parsed === 'number' && Number.isInteger(parsed) && parsed > 0 && parsed < 1e9 ? parsed : undefined;
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function bytesOf(value: unknown, unit: number): number | undefined {
  const amount = number(value);
  return amount === undefined ? undefined : Math.round(amount * unit);
}

/** Entries of an object keyed by name (interfaces, disks, …), mapped, at most MAX_LIST_ITEMS. */
function keyedList<T>(value: unknown, map: (key: string, entry: unknown) => T | null): T[] {
  if (!isObject(value)) return [];
  const items: T[] = [];
  for (const [key, entry] of Object.entries(value)) {
    if (items.length >= MAX_LIST_ITEMS) break;
    const item = map(key, entry);
    if (item !== null) items.push(item);
  }
  return items;
}

function capped(values: readonly (string | null)[]): string[] {
  return unique(values).slice(0, MAX_LIST_ITEMS);
}

function unique(values: readonly (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === 'string'))];
}

/** Drops undefined fields and empty lists: the peer shows an unknown field as absent or null. */
function withoutEmpty<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined && !(Array.isArray(item) && item.length === 0))) as T;
}
