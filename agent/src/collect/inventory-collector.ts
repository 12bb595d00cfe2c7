import { access } from 'node:fs/promises';
import si from 'systeminformation';
import { AGENT_VERSION } from '../version.ts';
import { compareText } from './compare-text.ts';
import { run } from './run-command.ts';

const GiB = 1024 ** 3;
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Interfaces that come and go with containers and VMs: left out, so that starting one is no change. */
const TRANSIENT_INTERFACE = /^(lo|veth|docker\d|br-|virbr|vnet|cni|flannel|cali|tap|tun)/;

/**
 * The machine in the seed's generic inventory shape. Only what describes the machine, nothing
 * that moves on its own (uptime, free memory, load, process ids): an unchanged machine gives an
 * identical snapshot, so its canonical hash changes only when the machine does. Lists are sorted.
 */
export async function collectInventory(): Promise<Record<string, unknown>> {
  const [os, cpu, mem, system, disks, interfaces, defaultInterface, services, features] = await Promise.all([
    si.osInfo(),
    si.cpu(),
    si.mem(),
    si.system(),
    si.diskLayout().catch(() => []),
    si.networkInterfaces().catch(() => []),
    si.networkInterfaceDefault().catch(() => ''),
    systemdServices(),
    collectFeatures(),
  ]);
  const primary = interfaces.find((item) => item.iface === defaultInterface) ?? interfaces.find((item) => !item.internal && item.ip4);
  const network: Record<string, Record<string, string>> = {};
  for (const item of [...interfaces].sort((a, b) => compareText(a.iface, b.iface))) {
    if (item.internal || TRANSIENT_INTERFACE.test(item.iface)) continue;
    network[item.iface] = { ip: item.ip4, netmask: item.ip4subnet, ipv6: item.ip6, mac: item.mac };
  }
  return {
    fqdn: os.fqdn || os.hostname,
    ipv4_address: primary?.ip4 ?? '',
    ipv6_address: primary?.ip6 ?? '',
    version: os.release,
    os: { name: os.distro, version: os.release, codename: os.codename, kernel: os.kernel, arch: os.arch, platform: os.platform },
    hardware: {
      cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim(),
      cpu_cores: cpu.physicalCores,
      cpu_threads: cpu.cores,
      memory_total_gb: round2(mem.total / GiB),
      disk_total_gb: round2(disks.reduce((sum, disk) => sum + (disk.size || 0), 0) / GiB),
      manufacturer: system.manufacturer,
      model: system.model,
      virtual: system.virtual,
    },
    network: { hostname: os.hostname, interfaces: network },
    services,
    features,
    agent: { name: 'muster-agent', version: AGENT_VERSION },
  };
}

/** Loaded systemd services by unit name, with their state (`running`, `exited`, `failed`, …); none without systemd. */
async function systemdServices(): Promise<Record<string, { status: string; active: string }>> {
  const output = await run('systemctl', ['list-units', '--type=service', '--all', '--no-legend', '--plain', '--no-pager']);
  const services: Record<string, { status: string; active: string }> = {};
  for (const line of (output ?? '').split('\n').sort()) {
    const [unit, load, active, sub] = line.trim().split(/\s+/);
    if (!unit?.endsWith('.service') || load !== 'loaded' || unit.includes('@')) continue;
    services[unit.slice(0, -'.service'.length)] = { status: sub ?? '', active: active ?? '' };
  }
  return services;
}

async function collectFeatures(): Promise<Record<string, unknown>> {
  const [docker, firewall] = await Promise.all([dockerFeature(), firewallFeature()]);
  return { docker, firewall };
}

export const DOCKER_SOCKET = '/var/run/docker.sock';

export async function dockerReachable(): Promise<boolean> {
  return access(DOCKER_SOCKET).then(
    () => true,
    () => false,
  );
}

async function dockerFeature(): Promise<Record<string, unknown>> {
  if (!(await dockerReachable())) return { enabled: false };
  const info = await si.dockerInfo().catch(() => undefined);
  return { enabled: true, version: info?.serverVersion ?? '' };
}

/** The first firewall manager that is active: firewalld, ufw, then nftables or iptables rules in force. */
async function firewallFeature(): Promise<Record<string, unknown>> {
  for (const unit of ['firewalld', 'ufw', 'nftables']) {
    if ((await run('systemctl', ['is-active', unit]))?.trim() === 'active') return { enabled: true, type: unit };
  }
  const nft = await run('nft', ['list', 'ruleset']);
  if (nft && nft.trim() !== '') return { enabled: true, type: 'nftables' };
  return { enabled: false };
}
