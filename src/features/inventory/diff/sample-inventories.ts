/**
 * Inventories shaped like the ones appliances send, for tests and the micro-benchmark. Field
 * names follow the seed's generic example and the NethServer 8 / NethSecurity facts that
 * NethServer/my reads (frontend/src/lib/systems/ns8Facts.ts, nsecFacts.ts,
 * collect/inventory.json); the values are made up. Each call builds a fresh object, so a test
 * can change one and compare it with another.
 */

type Json = Record<string, unknown>;

/** The generic shape, as in the seed's "Inventory" example. */
export function genericInventory(): Json {
  return {
    fqdn: 'server.example.com',
    ipv4_address: '192.168.1.100',
    ipv6_address: '2001:db8::1',
    version: '8.0.1',
    os: { name: 'Rocky Linux', version: '9.3', kernel: '5.14.0-362.8.1.el9_3.x86_64' },
    hardware: { cpu_model: 'Intel Xeon Gold 6248R', cpu_cores: 8, cpu_threads: 16, memory_total_gb: 32, disk_total_gb: 500 },
    network: {
      hostname: 'server01',
      interfaces: {
        eth0: { ip: '192.168.1.100', netmask: '255.255.255.0', mac: '00:1a:2b:3c:4d:5e' },
        eth1: { ip: '10.0.0.10', netmask: '255.255.0.0', mac: '00:1a:2b:3c:4d:5f' },
      },
    },
    services: {
      nginx: { version: '1.24.0', status: 'running' },
      postgresql: { version: '15.5', status: 'running' },
      redis: { version: '7.2.3', status: 'running' },
    },
    features: { docker: { enabled: true, version: '24.0.7' }, firewall: { enabled: true, type: 'nftables' } },
    custom: { environment: 'production', datacenter: 'EU-West-1', backup_enabled: true },
  };
}

const PCI_DEVICES = [
  ['0600', '8086', '1237', 'Host bridge', 'Intel Corporation', '440FX - 82441FX PMC [Natoma]', ''],
  ['0601', '8086', '7000', 'ISA bridge', 'Intel Corporation', '82371SB PIIX3 ISA [Natoma/Triton II]', ''],
  ['0101', '8086', '7010', 'IDE interface', 'Intel Corporation', '82371SB PIIX3 IDE [Natoma/Triton II]', 'ata_piix'],
  ['0300', '1234', '1111', 'VGA compatible controller', 'Device 1234', 'Device 1111', 'bochs-drm'],
  ['0200', '1af4', '1000', 'Ethernet controller', 'Red Hat, Inc.', 'Virtio network device', 'virtio-pci'],
  ['0100', '1af4', '1001', 'SCSI storage controller', 'Red Hat, Inc.', 'Virtio block device', 'virtio-pci'],
  ['00ff', '1af4', '1002', 'Unclassified device', 'Red Hat, Inc.', 'Virtio memory balloon', 'virtio-pci'],
];

function pciDevices(): Json[] {
  return PCI_DEVICES.map(([classId, vendorId, deviceId, className, vendorName, deviceName, driver]) => ({
    class_id: classId,
    vendor_id: vendorId,
    device_id: deviceId,
    revision: '00',
    class_name: className,
    vendor_name: vendorName,
    device_name: deviceName,
    driver,
  }));
}

function ns8Node(id: number): Json {
  return {
    cluster_leader: id === 1,
    fqdn: `node${id}.example.org`,
    default_ipv4: `192.168.10.${10 + id}`,
    default_ipv6: '',
    kernel_version: '5.14.0-503.14.1.el9_5.x86_64',
    uptime_seconds: 1_209_600 + id,
    timezone: 'Europe/Rome',
    volumesconf_mountpoint_count: 0,
    volumesconf_application_types: [],
    version: '3.8.1',
    distro: { name: 'rocky', version: '9.5' },
    processors: { count: 4, model: 'AMD EPYC 7282 16-Core Processor', architecture: 'x86_64' },
    product: { name: 'Standard PC (i440FX + PIIX, 1996)', manufacturer: 'QEMU' },
    virtual: 'kvm',
    memory: { swap: { used_bytes: 0, available_bytes: 0 }, system: { used_bytes: 3_456_789_000 + id, available_bytes: 4_567_890_000 } },
    mountpoints: { '/': { size_bytes: 85_000_000_000, used_bytes: 21_000_000_000 + id, available_bytes: 64_000_000_000 } },
    pci: pciDevices(),
    ui_name: id === 1 ? 'Leader' : `Worker ${id}`,
    update_available: false,
    creation_date: '2024-03-01T10:00:00Z',
    dns_servers: ['1.1.1.1', '8.8.8.8'],
    network: {
      configuration: {
        eth0: {
          name: 'eth0',
          type: 'ethernet',
          props: { ipaddr: `192.168.10.${10 + id}`, netmask: '255.255.255.0', gateway: '192.168.10.1' },
          addresses: [{ family: 'inet', address: `192.168.10.${10 + id}`, prefix: '24' }],
        },
      },
      interface_counts: { ethernet: 1, bonds: 0, bridges: 0, vlans: 0, tunnels: 0 },
      route_info: { count_ipv4_route: 3, count_ipv6_route: 0 },
    },
  };
}

const NS8_MODULES: [string, string, string, number][] = [
  ['traefik1', 'traefik', '3.3.1', 1],
  ['loki1', 'loki', '1.4.0', 1],
  ['samba1', 'samba', '3.1.2', 1],
  ['mail1', 'mail', '1.6.4', 2],
  ['webtop1', 'webtop', '1.4.2', 2],
  ['nethvoice1', 'nethvoice', '1.3.2', 2],
  ['nextcloud1', 'nextcloud', '1.5.0', 3],
  ['mattermost1', 'mattermost', '1.2.4', 3],
  ['roundcubemail1', 'roundcubemail', '1.3.0', 3],
  ['imapsync1', 'imapsync', '1.1.0', 3],
  ['crowdsec1', 'crowdsec', '1.2.1', 1],
  ['metrics1', 'metrics', '0.2.3', 1],
  ['dokuwiki1', 'dokuwiki', '1.2.0', 4],
  ['ejabberd1', 'ejabberd', '1.4.1', 4],
  ['piler1', 'piler', '1.1.3', 4],
  ['openldap1', 'openldap', '2.5.0', 4],
  ['nethsecurity-controller1', 'nethsecurity-controller', '1.4.0', 4],
];

function ns8Module([id, name, version, node]: [string, string, string, number]): Json {
  return {
    id,
    version,
    module: name,
    name,
    source: `ghcr.io/nethserver/${name}`,
    node: String(node),
    certification_level: 5,
    update_available: false,
    user_domains: name === 'mail' || name === 'webtop' ? ['example.org'] : [],
    fqdns: name === 'nextcloud' ? ['cloud.example.org'] : [],
    ui_name: '',
    ...(name === 'traefik' ? { custom_path_routes: 2, custom_host_routes: 1, acme_auto_certificates: 4, acme_failed_certificates: 0 } : {}),
    ...(name === 'mail'
      ? { addresses_total_count: 42, mailboxes_total_count: 30, domains_total_count: 2, filter: { antivirus: { enabled: true }, antispam: { enabled: true, spam_flag_threshold: 5 } } }
      : {}),
    ...(name === 'samba' ? { server_role: 'dc', provision_type: 'new', shared_folders_count: 6, active_users: 28, total_users: 31 } : {}),
  };
}

/** A four-node NethServer 8 cluster with 17 modules: about 15 KB of JSON. */
export function ns8Inventory(): Json {
  return {
    $schema: 'https://schema.nethserver.org/facts/2022-12.json',
    uuid: '5f4dcc3b-5aa7-45d2-a7ab-4b2a0a1c6f11',
    installation: 'nethserver',
    facts: {
      cluster: {
        leader_node_id: '1',
        user_domains: [
          { name: 'example.org', location: 'internal', protocol: 'ldap', schema: 'ad', providers_count: 1, active_users: 28, total_users: 31, total_groups: 6 },
        ],
        subscription: 'enterprise',
        admins: { count: 2, '2fa': 1 },
        repositories: ['default', 'nethforge'],
        smarthost: { enabled: true, manual_configuration: false },
        backup: { backup_count: 2, destination_count: 1, destination_providers: ['backblaze'] },
        update_disabled: false,
        update_disabled_reason: '',
        update_schedule_active: true,
        ui_name: 'Main office',
      },
      nodes: { '1': ns8Node(1), '2': ns8Node(2), '3': ns8Node(3), '4': ns8Node(4) },
      modules: NS8_MODULES.map(ns8Module),
    },
  };
}

/** A NethSecurity firewall. */
export function nsecInventory(): Json {
  return {
    $schema: 'https://schema.nethserver.org/facts/2022-12.json',
    uuid: '0c8e0fd1-6a1f-4b8e-9f0a-2f8d0b9f4e21',
    installation: 'nethsecurity',
    facts: {
      fqdn: 'fw.example.org',
      distro: { name: 'NethSecurity', version: '8.5.1' },
      kernel_version: '6.6.73',
      timezone: 'Europe/Rome',
      uptime_seconds: 725_229,
      default_ipv4: '192.168.5.251',
      default_ipv6: '',
      dns_servers: ['8.8.8.8', '8.8.4.4'],
      processors: { count: '4', model: 'Intel(R) Core(TM) i5-4570S CPU @ 2.90GHz', architecture: 'x86_64' },
      product: { name: 'To be filled by O.E.M.', manufacturer: 'To be filled by O.E.M.' },
      virtual: 'physical',
      memory: { swap: { used_bytes: 0, available_bytes: 0 }, system: { used_bytes: 579_198_976, available_bytes: 7_352_455_168 } },
      mountpoints: { '/': { used_bytes: 71_700_480, total_bytes: 256_704_512, available_bytes: 185_004_032 } },
      pci: pciDevices().slice(0, 5),
      image_updates_available: false,
      package_updates_available: false,
      features: {
        ha: { vips: 11, enabled: true },
        ui: { luci: true, port443: true, port9090: true },
        dpi: { rules: 0, enabled: false },
        qos: { count: 2, rules: [{ upload: 20, enabled: true, download: 40 }, { upload: 900, enabled: true, download: 900 }] },
        ddns: { enabled: true },
        snmp: { enabled: true },
        ipsec: { count: 2 },
        snort: { policy: 'balanced', enabled: true, oink_enabled: true, disabled_rules: 1, suppressed_rules: 1 },
        adblock: { enabled: true, community: 1, enterprise: 4 },
        backups: { passphrase_date: 1_747_324_139, backup_passphrase: true },
        hotspot: { server: 'https://my.nethspot.com/api', enabled: true, interface: 'eth0.10' },
        network: {
          zones: [
            { ipv4: 2, ipv6: 0, name: 'lan' },
            { ipv4: 2, ipv6: 0, name: 'wan' },
            { ipv4: 0, ipv6: 0, name: 'guest' },
          ],
          route_info: { count_ipv4_route: 2, count_ipv6_route: 0 },
          configuration: {
            eth0: { name: 'eth0', type: 'ethernet', props: { role: 'green', ipaddr: '192.168.5.251', gateway: null, netmask: '255.255.255.0' } },
            eth1: { name: 'eth1', type: 'ethernet', props: { role: 'red', ipaddr: '203.0.113.2', gateway: '203.0.113.1', netmask: '255.255.255.0' } },
          },
          interface_counts: { bonds: 0, vlans: 1, bridges: 0 },
          zone_network_counts: { lan: 2, wan: 2, guest: 0 },
        },
        multiwan: { rules: 1, enabled: true, policies: { backup: 1, custom: 0, balance: 0 } },
        wireguard: { instances: 1, statistics: [{ peers: 2, server: 'wg1', ns_user_db: 'main' }] },
        dhcp_server: { count: 5, static_leases: 125, dynamic_leases: 65, dns_records_count: 58, dns_forwarder_enabled: true },
        threat_shield: { enabled: true, community: 0, enterprise: 5 },
        database_stats: { main: { users: 1 }, NethService: { users: 104 } },
        firewall_stats: {
          objects: { hosts: 7, domains: 1 },
          firewall: { nat: { snat: 2, accept: 0, masquerade: 0 }, rules: { input: 12, output: 0, forward: 13 }, port_forward: 27 },
        },
        default_password: { default_password: false },
        certificates_info: { acme_certificates: { count: 1, issued: 1, pending: 0 }, custom_certificates: { count: 0 } },
        subscription_status: { status: 'enterprise' },
      },
    },
  };
}
