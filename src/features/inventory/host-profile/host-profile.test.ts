import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { genericInventory, ns8Inventory, nsecInventory } from '../../../../test/fixtures/sample-inventories.ts';
import { deriveHostProfile, MAX_LIST_ITEMS } from './host-profile.ts';

describe('host profile: canonical facts and system profile from each inventory shape', () => {
  it("maps the seed's generic inventory", () => {
    const { canonicalFacts, systemProfile } = deriveHostProfile(genericInventory());
    assert.deepEqual(canonicalFacts, {
      fqdn: 'server.example.com',
      ip_addresses: ['192.168.1.100', '2001:db8::1', '10.0.0.10'],
      mac_addresses: ['00:1a:2b:3c:4d:5e', '00:1a:2b:3c:4d:5f'],
    });
    assert.deepEqual(systemProfile, {
      operating_system: { name: 'Rocky Linux', major: 9, minor: 3 },
      os_release: '9.3',
      os_kernel_version: '5.14.0-362.8.1.el9_3.x86_64',
      arch: 'x86_64',
      number_of_cpus: 16,
      cores_per_socket: 8,
      cpu_model: 'Intel Xeon Gold 6248R',
      system_memory_bytes: 32 * 1024 ** 3,
      network_interfaces: [
        { name: 'eth0', ipv4_addresses: ['192.168.1.100'], mac_address: '00:1a:2b:3c:4d:5e' },
        { name: 'eth1', ipv4_addresses: ['10.0.0.10'], mac_address: '00:1a:2b:3c:4d:5f' },
      ],
      installed_services: ['nginx', 'postgresql', 'redis'],
      enabled_services: ['nginx', 'postgresql', 'redis'],
    });
  });

  it('maps a NethServer 8 cluster from its leader node, its modules as services and the product with its version', () => {
    const { canonicalFacts, systemProfile } = deriveHostProfile(ns8Inventory());
    assert.deepEqual(canonicalFacts, { fqdn: 'node1.example.org', ip_addresses: ['192.168.10.11'] });
    assert.deepEqual(systemProfile.operating_system, { name: 'rocky', major: 9, minor: 5 });
    assert.equal(systemProfile.os_release, '9.5');
    assert.equal(systemProfile.arch, 'x86_64');
    assert.equal(systemProfile.number_of_cpus, 4);
    assert.equal(systemProfile.system_memory_bytes, 3_456_789_001 + 4_567_890_000);
    assert.equal(systemProfile.infrastructure_type, 'virtual');
    assert.equal(systemProfile.infrastructure_vendor, 'kvm');
    assert.deepEqual(systemProfile.disk_devices, [{ mount_point: '/', size_bytes: 85_000_000_000 }]);
    assert.equal(systemProfile.installed_services?.length, 17);
    assert.ok(systemProfile.installed_services?.includes('nextcloud1'));
    assert.deepEqual(systemProfile.installed_products, [{ name: 'NethServer 3.8.1', id: 'nethserver', status: 'installed' }]);
  });

  it('maps a NethSecurity firewall: counts sent as text, physical hardware, enabled features as enabled services', () => {
    const { canonicalFacts, systemProfile } = deriveHostProfile(nsecInventory());
    assert.deepEqual(canonicalFacts, { fqdn: 'fw.example.org', ip_addresses: ['192.168.5.251', '203.0.113.2'] });
    assert.deepEqual(systemProfile.operating_system, { name: 'NethSecurity', major: 8, minor: 5 });
    assert.equal(systemProfile.number_of_cpus, 4);
    assert.equal(systemProfile.infrastructure_type, 'physical');
    assert.equal(systemProfile.infrastructure_vendor, undefined);
    assert.deepEqual(systemProfile.disk_devices, [{ mount_point: '/', size_bytes: 256_704_512 }]);
    assert.ok(systemProfile.enabled_services?.includes('snort'));
    assert.ok(!systemProfile.enabled_services?.includes('dpi'), 'a disabled feature is not enabled');
    assert.deepEqual(systemProfile.installed_products, [{ name: 'NethSecurity 8.5.1', id: 'nethsecurity', status: 'installed' }]);
  });

  it("maps the monitoring agent's static part: the OS string, disks with their sizes, containers as what runs", () => {
    const { canonicalFacts, systemProfile } = deriveHostProfile({
      fqdn: 'gpu01',
      ipv4_address: '10.0.0.11',
      os: 'Ubuntu 22.04.3 LTS',
      monitoring: {
        server_alias: 'gpu-01',
        machine_type: 'vm',
        disks: { '/': { fstype: 'ext4', total_gb: 200 }, '/data': { fstype: 'xfs', total_gb: 1.5 } },
        gpus: { '0': { name: 'RTX 3090', memory_total_mb: 24576 } },
        containers: { trainer: { image: 'pytorch:2' }, notebook: { image: 'jupyter' } },
      },
    });
    assert.deepEqual(canonicalFacts, { fqdn: 'gpu01', ip_addresses: ['10.0.0.11'] });
    assert.deepEqual(systemProfile, {
      operating_system: { name: 'Ubuntu', major: 22, minor: 4 },
      os_release: '22.04.3',
      infrastructure_type: 'virtual',
      disk_devices: [
        { mount_point: '/', type: 'ext4', size_bytes: 200 * 1024 ** 3 },
        { mount_point: '/data', type: 'xfs', size_bytes: 1.5 * 1024 ** 3 },
      ],
      running_processes: ['trainer', 'notebook'],
    });
  });

  it('reads ids an inventory carries, only when well formed, and a provider only with a known type', () => {
    const id = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
    const { canonicalFacts } = deriveHostProfile({
      insights_id: id,
      subscription_manager_id: 'not-a-uuid',
      bios_uuid: id,
      provider_id: 'i-123',
      provider_type: 'AWS',
    });
    assert.deepEqual(canonicalFacts, { bios_uuid: id.toLowerCase(), insights_id: id.toLowerCase(), provider_id: 'i-123', provider_type: 'aws' });
    assert.deepEqual(deriveHostProfile({ provider_id: 'x', provider_type: 'mystery' }).canonicalFacts, {});
  });

  it('never throws and keeps lists bounded on hostile input', () => {
    for (const input of [
      null,
      42,
      'text',
      [],
      { os: 7, hardware: 'x', network: { interfaces: [1, 2] } },
      { installation: 'nethserver', facts: { nodes: 'x' } },
    ]) {
      const profile = deriveHostProfile(input);
      assert.equal(typeof profile.systemProfile, 'object');
    }
    const services = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`svc${i}`, { status: 'running' }]));
    assert.equal(deriveHostProfile({ services }).systemProfile.installed_services?.length, MAX_LIST_ITEMS);
    const proxy = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('hostile');
        },
      },
    );
    assert.deepEqual(deriveHostProfile({ services: proxy }), { canonicalFacts: {}, systemProfile: {} });
    assert.deepEqual(deriveHostProfile({ __proto__: { fqdn: 'inherited' } }).canonicalFacts, {});
  });
});
