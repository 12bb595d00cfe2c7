/** What the collector fixture makes the machine look like: the seed's generic inventory and one metrics sample. */
export const FIXTURE = {
  inventory: {
    fqdn: 'agent-test.example.com',
    ipv4_address: '192.0.2.10',
    ipv6_address: '2001:db8::10',
    version: '9.3',
    os: { name: 'Rocky Linux', version: '9.3', kernel: '5.14.0-362.8.1.el9_3.x86_64' },
    hardware: { cpu_model: 'Test CPU', cpu_cores: 4, cpu_threads: 8, memory_total_gb: 16, disk_total_gb: 200 },
    network: { hostname: 'agent-test', interfaces: { eth0: { ip: '192.0.2.10', netmask: '255.255.255.0', mac: '00:1a:2b:3c:4d:5e' } } },
    services: {
      nginx: { status: 'running', active: 'active' },
      // Enough units that the snapshot is over 1 KB and goes gzip-compressed.
      ...Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`worker-${index}`, { status: 'running', active: 'active' }])),
    },
    features: { docker: { enabled: false }, firewall: { enabled: true, type: 'nftables' } },
    custom: { environment: 'test' },
  },
  metrics: {
    uptime_seconds: 1000,
    cpu: { percent: 12.5, cores: 8, loadavg: { '1m': 0.5, '5m': 0.4, '15m': 0.3 } },
    memory: { total_gb: 16, used_gb: 4, percent: 25 },
    disks: [{ mountpoint: '/', free_gb: 150, total_gb: 200, percent: 25 }],
    // Enough containers that the sample is over 1 KB and goes gzip-compressed.
    containers: Array.from({ length: 16 }, (_, index) => ({ name: `container-${index}`, cpu_pct: 1.5, mem_mb: 64 })),
  },
};
