/**
 * Plausible values the generator draws from. Names, versions and PCI ids are real-world
 * looking; none of it describes an actual machine.
 */

export const DOMAINS = ['acme.example', 'contoso.example', 'example.com', 'studio-rossi.example', 'nordwind.example'];
export const HOST_NAMES = ['srv', 'fw', 'gw', 'mail', 'app', 'node', 'edge', 'ns', 'office', 'hq'];
export const CITIES = ['milan', 'rome', 'berlin', 'paris', 'madrid', 'vienna', 'lyon', 'turin'];
export const DATACENTERS = ['EU-West-1', 'EU-South-1', 'EU-Central-1', 'on-premises'];

export const CPU_MODELS = [
  'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz',
  'Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz',
  'Intel(R) Xeon(R) E-2336 CPU @ 2.90GHz',
  'AMD EPYC 7313P 16-Core Processor',
  'AMD EPYC 9124 16-Core Processor',
  'Intel(R) Core(TM) i5-4570S CPU @ 2.90GHz',
  'Intel(R) Celeron(R) N5105 @ 2.00GHz',
  'Intel(R) Atom(TM) CPU C3558 @ 2.20GHz',
];

export const PRODUCTS = [
  { name: 'PowerEdge R650xs', manufacturer: 'Dell Inc.' },
  { name: 'ProLiant DL360 Gen10', manufacturer: 'HPE' },
  { name: 'ThinkSystem SR630 V2', manufacturer: 'Lenovo' },
  { name: 'Standard PC (Q35 + ICH9, 2009)', manufacturer: 'QEMU' },
  { name: 'VMware Virtual Platform', manufacturer: 'VMware, Inc.' },
  { name: 'Virtual Machine', manufacturer: 'Microsoft Corporation' },
];

export const FIREWALL_PRODUCTS = [
  { name: 'NethSecurity Z2', manufacturer: 'Nethesis' },
  { name: 'NethSecurity Z4', manufacturer: 'Nethesis' },
  { name: 'NethSecurity Z8', manufacturer: 'Nethesis' },
  { name: 'APU2E4', manufacturer: 'PC Engines' },
  { name: 'Standard PC (i440FX + PIIX, 1996)', manufacturer: 'QEMU' },
];

export const LINUX_DISTROS = [
  { name: 'Rocky Linux', version: '9.3', kernel: '5.14.0-362.8.1.el9_3.x86_64', family: 'rhel' },
  { name: 'Rocky Linux', version: '9.4', kernel: '5.14.0-427.13.1.el9_4.x86_64', family: 'rhel' },
  { name: 'AlmaLinux', version: '9.4', kernel: '5.14.0-427.16.1.el9_4.x86_64', family: 'rhel' },
  { name: 'Debian GNU/Linux', version: '12', kernel: '6.1.0-18-amd64', family: 'debian' },
  { name: 'Ubuntu', version: '22.04', kernel: '5.15.0-91-generic', family: 'debian' },
  { name: 'Ubuntu', version: '24.04', kernel: '6.8.0-31-generic', family: 'debian' },
];

/** NS8 nodes report the distro as Ansible names it. */
export const NS8_DISTROS = [
  { name: 'Rocky', version: '9.4' },
  { name: 'Rocky', version: '9.5' },
  { name: 'AlmaLinux', version: '9.5' },
  { name: 'Debian', version: '12' },
];

/** Generic services: name, a current version, a usual listening port. */
export const SERVICES: ReadonlyArray<readonly [string, string, number | null]> = [
  ['nginx', '1.24.0', 443],
  ['postgresql', '15.5', 5432],
  ['redis', '7.2.3', 6379],
  ['sshd', '8.7p1', 22],
  ['chronyd', '4.3', 123],
  ['firewalld', '1.2.5', null],
  ['rsyslog', '8.2102.0', 514],
  ['crond', '1.5.7', null],
  ['NetworkManager', '1.44.0', null],
  ['podman', '4.9.4', null],
  ['dockerd', '24.0.7', null],
  ['containerd', '1.7.11', null],
  ['haproxy', '2.8.3', 80],
  ['keepalived', '2.2.8', null],
  ['postfix', '3.5.9', 25],
  ['dovecot', '2.3.16', 993],
  ['mariadb', '10.11.6', 3306],
  ['php-fpm', '8.2.13', 9000],
  ['node_exporter', '1.7.0', 9100],
  ['prometheus', '2.48.1', 9090],
  ['grafana', '10.2.3', 3000],
  ['fail2ban', '1.0.2', null],
  ['clamd', '1.0.4', 3310],
  ['squid', '5.5', 3128],
  ['named', '9.16.23', 53],
  ['dnsmasq', '2.89', 53],
  ['sssd', '2.9.1', null],
  ['auditd', '3.1.2', null],
  ['tuned', '2.21.0', null],
  ['smartd', '7.2', null],
  ['snmpd', '5.9.1', 161],
  ['httpd', '2.4.57', 8080],
  ['memcached', '1.6.22', 11211],
  ['rabbitmq-server', '3.12.10', 5672],
  ['elasticsearch', '8.11.3', 9200],
  ['zabbix-agent2', '6.4.10', 10050],
  ['telegraf', '1.29.1', null],
  ['nfs-server', '2.5.4', 2049],
  ['smb', '4.18.6', 445],
  ['libvirtd', '9.5.0', null],
  ['cockpit', '310.2', 9090],
  ['vsftpd', '3.0.5', 21],
  ['openvpn', '2.6.8', 1194],
];

/** Distribution packages, used to bring a generic inventory to its size. */
export const PACKAGES: ReadonlyArray<readonly [string, string]> = [
  ['bash', '5.1.8-9'],
  ['coreutils', '8.32-35'],
  ['glibc', '2.34-100'],
  ['systemd', '252-32'],
  ['openssl', '3.0.7-27'],
  ['openssh-server', '8.7p1-38'],
  ['curl', '7.76.1-29'],
  ['wget', '1.21.1-7'],
  ['vim-enhanced', '8.2.2637-20'],
  ['python3', '3.9.18-3'],
  ['python3-pip', '21.2.3-8'],
  ['perl', '5.32.1-480'],
  ['git', '2.43.0-1'],
  ['tar', '1.34-6'],
  ['gzip', '1.12-1'],
  ['xz', '5.2.5-8'],
  ['zstd', '1.5.1-2'],
  ['rsync', '3.2.3-19'],
  ['sudo', '1.9.5p2-10'],
  ['shadow-utils', '4.9-8'],
  ['util-linux', '2.37.4-18'],
  ['e2fsprogs', '1.46.5-5'],
  ['xfsprogs', '6.3.0-1'],
  ['lvm2', '2.03.23-2'],
  ['mdadm', '4.2-13'],
  ['kernel', '5.14.0-427.13.1'],
  ['kernel-tools', '5.14.0-427.13.1'],
  ['dracut', '057-53'],
  ['grub2-tools', '2.06-80'],
  ['firewalld', '1.3.4-1'],
  ['nftables', '1.0.9-1'],
  ['iptables-nft', '1.8.10-2'],
  ['NetworkManager', '1.46.0-8'],
  ['chrony', '4.5-1'],
  ['rsyslog', '8.2310.0-4'],
  ['logrotate', '3.18.0-8'],
  ['cronie', '1.5.7-11'],
  ['audit', '3.1.2-2'],
  ['policycoreutils', '3.6-2'],
  ['selinux-policy-targeted', '38.1.35-2'],
  ['libselinux', '3.6-1'],
  ['podman', '4.9.4-1'],
  ['buildah', '1.33.7-1'],
  ['skopeo', '1.14.3-0'],
  ['container-selinux', '2.229.0-1'],
  ['conmon', '2.1.10-1'],
  ['crun', '1.14.3-1'],
  ['nginx', '1.24.0-4'],
  ['postgresql-server', '15.5-1'],
  ['redis', '7.2.3-1'],
  ['haproxy', '2.8.3-1'],
  ['postfix', '3.5.9-24'],
  ['dovecot', '2.3.16-11'],
  ['mariadb-server', '10.11.6-1'],
  ['php-fpm', '8.2.13-1'],
  ['nodejs', '20.11.1-1'],
  ['java-17-openjdk', '17.0.10.0.7-2'],
  ['golang', '1.21.7-2'],
  ['rust', '1.75.0-1'],
  ['gcc', '11.4.1-3'],
  ['make', '4.3-8'],
  ['cmake', '3.26.5-2'],
  ['pkgconf', '1.7.3-10'],
  ['libxml2', '2.9.13-6'],
  ['libcurl', '7.76.1-29'],
  ['libzstd', '1.5.1-2'],
  ['zlib', '1.2.11-40'],
  ['sqlite', '3.34.1-7'],
  ['ncurses', '6.2-10'],
  ['readline', '8.1-4'],
  ['libffi', '3.4.2-8'],
  ['gnutls', '3.8.3-4'],
  ['nss', '3.90.0-6'],
  ['ca-certificates', '2024.2.69-1'],
  ['tzdata', '2024a-1'],
  ['bind-utils', '9.16.23-18'],
  ['net-tools', '2.0-0.64'],
  ['iproute', '6.2.0-6'],
  ['tcpdump', '4.99.0-9'],
  ['nmap-ncat', '7.92-1'],
  ['lsof', '4.94.0-3'],
  ['strace', '5.18-2'],
  ['htop', '3.3.0-1'],
  ['tmux', '3.2a-5'],
  ['jq', '1.6-16'],
  ['unzip', '6.0-57'],
  ['zip', '3.0-35'],
  ['bzip2', '1.0.8-8'],
  ['less', '590-4'],
  ['man-db', '2.9.3-7'],
  ['which', '2.21-29'],
  ['findutils', '4.8.0-6'],
  ['grep', '3.6-5'],
  ['sed', '4.8-9'],
  ['gawk', '5.1.0-6'],
  ['diffutils', '3.7-12'],
  ['file', '5.39-16'],
  ['procps-ng', '3.3.17-14'],
  ['psmisc', '23.4-3'],
  ['smartmontools', '7.2-9'],
  ['dmidecode', '3.5-3'],
  ['pciutils', '3.7.0-5'],
  ['usbutils', '017-1'],
  ['lshw', 'B.02.19.2-9'],
  ['tuned', '2.22.1-1'],
  ['irqbalance', '1.9.2-3'],
  ['kexec-tools', '2.0.27-8'],
  ['sos', '4.7.0-2'],
  ['insights-client', '3.2.2-1'],
];

export interface PciDevice {
  class_id: string;
  vendor_id: string;
  device_id: string;
  revision: string;
  class_name: string;
  vendor_name: string;
  device_name: string;
  driver: string;
}

export const PCI_DEVICES: readonly PciDevice[] = [
  pci('0600', '8086', '29c0', '00', 'Host bridge', 'Intel Corporation', '82G33/G31/P35/P31 Express DRAM Controller', ''),
  pci('0300', '1234', '1111', '02', 'VGA compatible controller', 'Device 1234', 'Device 1111', 'bochs-drm'),
  pci('0200', '8086', '10d3', '00', 'Ethernet controller', 'Intel Corporation', '82574L Gigabit Network Connection', 'e1000e'),
  pci('0200', '8086', '1533', '03', 'Ethernet controller', 'Intel Corporation', 'I210 Gigabit Network Connection', 'igb'),
  pci('0200', '8086', '125c', '04', 'Ethernet controller', 'Intel Corporation', 'Ethernet Controller I226-V', 'igc'),
  pci('0200', '8086', '1572', '02', 'Ethernet controller', 'Intel Corporation', 'Ethernet Controller X710 for 10GbE SFP+', 'i40e'),
  pci('0200', '14e4', '165f', '00', 'Ethernet controller', 'Broadcom Inc. and subsidiaries', 'NetXtreme BCM5720 Gigabit Ethernet PCIe', 'tg3'),
  pci('0200', '1af4', '1041', '01', 'Ethernet controller', 'Red Hat, Inc.', 'Virtio 1.0 network device', 'virtio-pci'),
  pci('0106', '8086', '2922', '02', 'SATA controller', 'Intel Corporation', '82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]', 'ahci'),
  pci('0108', '144d', 'a808', '00', 'Non-Volatile memory controller', 'Samsung Electronics Co Ltd', 'NVMe SSD Controller SM981/PM981/PM983', 'nvme'),
  pci('0104', '1000', '0097', '02', 'RAID bus controller', 'Broadcom / LSI', 'SAS3008 PCI-Express Fusion-MPT SAS-3', 'mpt3sas'),
  pci('0c03', '8086', '8c31', '04', 'USB controller', 'Intel Corporation', '8 Series/C220 Series Chipset Family USB xHCI', 'xhci_hcd'),
  pci('0c05', '8086', '8c22', '04', 'SMBus', 'Intel Corporation', '8 Series/C220 Series Chipset Family SMBus Controller', 'i801_smbus'),
  pci('0601', '8086', '8c56', '04', 'ISA bridge', 'Intel Corporation', 'C226 Series Chipset Family Server Advanced SKU LPC Controller', 'lpc_ich'),
  pci('0604', '8086', '8c10', 'd4', 'PCI bridge', 'Intel Corporation', '8 Series/C220 Series Chipset Family PCI Express Root Port #1', 'pcieport'),
  pci('0780', '8086', '8c3a', '04', 'Communication controller', 'Intel Corporation', '8 Series/C220 Series Chipset Family MEI Controller #1', 'mei_me'),
  pci('0100', '1af4', '1042', '01', 'SCSI storage controller', 'Red Hat, Inc.', 'Virtio 1.0 block device', 'virtio-pci'),
  pci('00ff', '1af4', '1045', '01', 'Unclassified device', 'Red Hat, Inc.', 'Virtio 1.0 balloon', 'virtio-pci'),
  pci('0880', '8086', '2f2a', '02', 'System peripheral', 'Intel Corporation', 'Xeon E7 v3/Xeon E5 v3/Core i7 VTd/Memory Map/Misc', ''),
  pci('1180', '8086', '2f1c', '02', 'Signal processing controller', 'Intel Corporation', 'Xeon E7 v3/Xeon E5 v3/Core i7 Thermal Control', ''),
];

function pci(
  class_id: string,
  vendor_id: string,
  device_id: string,
  revision: string,
  class_name: string,
  vendor_name: string,
  device_name: string,
  driver: string,
): PciDevice {
  return { class_id, vendor_id, device_id, revision, class_name, vendor_name, device_name, driver };
}
