/**
 * NethServer 8 facts: `{"$schema", "uuid", "installation": "nethserver", "facts": {cluster,
 * nodes, modules}}` as ns8-core's print-phonehome assembles it, with the node and module
 * fields My's collect reads (fqdn, default_ipv4/6, cluster_leader, ui_name, module, source).
 * Grown to size with the nodes' PCI functions, of which real servers list dozens.
 */
import { CPU_MODELS, DOMAINS, NS8_DISTROS, PCI_DEVICES, PRODUCTS } from './catalog.ts';
import {
  arrayAt,
  bumpOneVersion,
  elementBytes,
  growTo,
  isObject,
  moveOneCounter,
  objectAt,
  readdressOne,
  reorderOneList,
  toggleOneFlag,
  type JsonObject,
  type MutationSet,
} from './inventory-mutations.ts';
import type { Random } from './random.ts';

/** Module types with a version and the facts their get-facts action reports. */
const MODULE_TYPES: Record<string, { name: string; version: string; facts: (random: Random, domain: string) => JsonObject }> = {
  traefik: {
    name: 'Traefik',
    version: '3.4.1',
    facts: (r) => ({ routes_count: r.between(3, 30), certificates_count: r.between(1, 12), acme: { enabled: true } }),
  },
  loki: {
    name: 'Loki',
    version: '2.9.4',
    facts: (r) => ({ retention_days: r.pick([90, 180, 365]), cloud_log_manager_enabled: r.chance(0.3), syslog_enabled: r.chance(0.2) }),
  },
  samba: {
    name: 'Samba',
    version: '3.5.2',
    facts: (r, d) => ({
      user_domains: [`ad.${d}`],
      users_count: r.between(5, 200),
      groups_count: r.between(2, 30),
      file_server_enabled: r.chance(0.7),
      shares_count: r.between(0, 20),
      recycle_bin_enabled: r.chance(0.5),
    }),
  },
  mail: {
    name: 'Mail',
    version: '1.6.4',
    facts: (r, d) => ({
      user_domains: [`ad.${d}`],
      addresses_total_count: r.between(5, 300),
      mailboxes_total_count: r.between(5, 200),
      public_mailboxes_total_count: r.between(0, 10),
      domains_total_count: r.between(1, 5),
      relay_rules_total_count: r.between(0, 4),
      bypass_rules_count: r.between(0, 8),
      adduser_domains_count: 1,
      addgroup_domains_count: 1,
      addalias_domains_count: r.between(0, 2),
      addresses_user_count: r.between(5, 200),
      addresses_group_count: r.between(0, 20),
      addresses_public_count: r.between(0, 10),
      destinations_user_count: r.between(5, 220),
      destinations_group_count: r.between(0, 20),
      destinations_public_count: r.between(0, 10),
      destinations_external_count: r.between(0, 30),
      mailboxes_custom_spam_retention_count: r.between(0, 3),
      mailboxes_custom_quota_count: r.between(0, 10),
      mailboxes_forward_total_count: r.between(0, 15),
      mailboxes_forward_keepcopy_count: r.between(0, 10),
      mailboxes_disabled_count: r.between(0, 5),
      domains_description_count: r.between(0, 2),
      relay_rules_tls_count: r.between(0, 2),
      relay_rules_enabled_count: r.between(0, 2),
      relay_settings_postfix_restricted_sender_enabled: r.chance(0.2),
      relay_settings_networks_count: r.between(0, 3),
      postfix_ldap_alias_attr: 'mail',
      configuration_user_domain_schema: 'ad',
      queue_settings_maximal_queue_lifetime: '5d',
      master_users_count: r.between(0, 2),
      dovecot_custom_config_count: 0,
      srs_enabled: r.chance(0.8),
      always_bcc_enabled: r.chance(0.1),
      mailbox_settings_quota_enabled: r.chance(0.5),
      mailbox_settings_spam_folder_enabled: true,
      filter: {
        antispam: { enabled: true, spam_flag_threshold: 6, deny_message_threshold: 15 },
        antivirus: { enabled: r.chance(0.8), clamav_official_sigs: true },
      },
    }),
  },
  webtop: {
    name: 'WebTop',
    version: '1.5.11',
    facts: (r, d) => ({
      user_domains: [`ad.${d}`],
      mail_module: 'mail1',
      users_count: r.between(5, 200),
      pecbridge_enabled: r.chance(0.2),
      zpush_enabled: r.chance(0.6),
    }),
  },
  nethvoice: {
    name: 'NethVoice',
    version: '1.3.2',
    facts: (r, d) => ({
      user_domains: [`ad.${d}`],
      extensions_count: r.between(5, 150),
      trunks_count: r.between(1, 6),
      queues_count: r.between(0, 8),
      ivr_count: r.between(0, 5),
      cti_enabled: true,
      satellite_enabled: r.chance(0.3),
    }),
  },
  nextcloud: {
    name: 'Nextcloud',
    version: '2.4.3',
    facts: (r, d) => ({
      user_domains: [`ad.${d}`],
      users_count: r.between(3, 150),
      apps_count: r.between(10, 40),
      collabora_enabled: r.chance(0.5),
      tls_verify: true,
    }),
  },
  mattermost: { name: 'Mattermost', version: '1.2.7', facts: (r) => ({ users_count: r.between(3, 120), plugins_count: r.between(0, 6) }) },
  dokuwiki: { name: 'DokuWiki', version: '1.1.5', facts: (r) => ({ pages_count: r.between(10, 900) }) },
  wordpress: { name: 'WordPress', version: '1.0.9', facts: (r) => ({ plugins_count: r.between(2, 25), http2https: true }) },
  roundcubemail: { name: 'Roundcube', version: '1.3.0', facts: (r) => ({ plugins_count: r.between(2, 10), mail_server: 'mail1' }) },
  collabora: { name: 'Collabora Online', version: '1.4.2', facts: () => ({ tls_verify: true }) },
  ejabberd: {
    name: 'Ejabberd',
    version: '1.2.4',
    facts: (r) => ({ users_count: r.between(3, 80), s2s_enabled: r.chance(0.2), mod_mam_enabled: r.chance(0.6) }),
  },
  imapsync: { name: 'Imapsync', version: '1.1.3', facts: (r) => ({ tasks_count: r.between(0, 20) }) },
  crowdsec: {
    name: 'CrowdSec',
    version: '1.1.6',
    facts: (r) => ({ bouncers_count: r.between(1, 3), scenarios_count: r.between(30, 80), enroll_enabled: r.chance(0.3) }),
  },
  metrics: { name: 'Metrics', version: '1.0.8', facts: (r) => ({ retention_days: r.pick([15, 30, 60]), alert_mail_enabled: r.chance(0.4) }) },
};

/** Modules that come and go; the rest of an installation stays put. */
const OPTIONAL_MODULES = ['mattermost', 'dokuwiki', 'wordpress', 'roundcubemail', 'collabora', 'ejabberd', 'imapsync', 'crowdsec', 'metrics'];
const MIN_OPTIONAL = 1;
const MAX_OPTIONAL = 6;
const MAX_PCI_PER_NODE = 64;

export function buildNs8Inventory(random: Random, targetBytes: number): JsonObject {
  const domain = random.pick(DOMAINS);
  const nodeCount = random.pick([1, 1, 2, 3]);
  const coreVersion = random.pick(['3.10.2', '3.11.0', '3.12.1']);
  const lan = `10.${random.between(0, 254)}.${random.between(0, 254)}`;

  const nodes: JsonObject = {};
  for (let id = 1; id <= nodeCount; id++) nodes[String(id)] = node(random, id, domain, lan, coreVersion);

  const modules: JsonObject[] = [];
  for (let id = 1; id <= nodeCount; id++) modules.push(module(random, 'traefik', id, id, domain));
  modules.push(module(random, 'loki', 1, 1, domain));
  for (const type of ['samba', 'mail', 'webtop', 'nethvoice', 'nextcloud']) {
    if (type === 'samba' || random.chance(0.7)) modules.push(module(random, type, 1, random.between(1, nodeCount), domain));
  }
  for (const type of random.shuffle([...OPTIONAL_MODULES]).slice(0, random.between(2, 4))) {
    modules.push(module(random, type, 1, random.between(1, nodeCount), domain));
  }

  const inventory: JsonObject = {
    $schema: 'https://schema.nethserver.org/facts/2022-12.json',
    uuid: random.uuid(),
    installation: 'nethserver',
    facts: {
      cluster: {
        ui_name: `${domain.split('.')[0] ?? 'cluster'} cluster`,
        fqdn: `cluster.${domain}`,
        public_ip: `203.0.113.${random.between(2, 254)}`,
        subscription: random.pick(['enterprise', 'community', 'disabled']),
        admins: { count: random.between(1, 4), '2fa': random.between(0, 1) },
        repositories: random.chance(0.2) ? ['default', 'forge'] : ['default'],
        smarthost: { enabled: random.chance(0.6), manual_configuration: random.chance(0.3) },
        backup: {
          backup_count: random.between(0, 3),
          destination_count: random.between(1, 2),
          destination_providers: [random.pick(['backblaze', 'aws', 'smb', 'cluster'])],
        },
        user_domains: [{ name: `ad.${domain}`, location: 'internal', protocol: 'ldap', schema: 'ad', providers: [{ id: 'samba1', ui_name: '', node: 1 }] }],
      },
      nodes,
      modules,
    },
  };

  // Real servers list their PCI functions; add them round-robin until the inventory is full size.
  let added = 0;
  growTo(inventory, targetBytes, () => {
    const target = nodes[String((added % nodeCount) + 1)];
    const pci = isObject(target) ? target.pci : undefined;
    if (!Array.isArray(pci) || pci.length >= MAX_PCI_PER_NODE) return null;
    const device = { ...random.pick(PCI_DEVICES) };
    pci.push(device);
    added++;
    return elementBytes(device);
  });
  return inventory;
}

export const ns8Mutations: MutationSet = {
  version: (inventory, random) => bumpOneVersion(arrayAt(inventory, 'facts', 'modules'), random),
  counter: (inventory, random) =>
    random.chance(0.5)
      ? moveOneCounter(objectAt(inventory, 'facts', 'nodes'), random, (key) => key === 'used_bytes' || key === 'available_bytes')
      : moveOneCounter(arrayAt(inventory, 'facts', 'modules'), random, (key) => key.endsWith('_count')),
  membership: (inventory, random) => {
    const modules = arrayAt(inventory, 'facts', 'modules');
    if (!modules) return false;
    const optional = modules.filter((item) => isObject(item) && OPTIONAL_MODULES.includes(String(item.module)));
    const add = optional.length <= MIN_OPTIONAL || (optional.length < MAX_OPTIONAL && random.chance(0.5));
    if (!add && optional.length > 0) {
      modules.splice(modules.indexOf(random.pick(optional)), 1);
      return true;
    }
    const type = random.pick(OPTIONAL_MODULES);
    const taken = new Set(modules.map((item) => (isObject(item) ? item.id : undefined)));
    let instance = 1;
    while (taken.has(`${type}${instance}`)) instance++;
    const nodeIds = Object.keys(objectAt(inventory, 'facts', 'nodes') ?? { '1': null });
    const clusterFqdn = objectAt(inventory, 'facts', 'cluster')?.fqdn;
    const domain = (typeof clusterFqdn === 'string' ? clusterFqdn : 'cluster.example.com').replace(/^cluster\./, '');
    modules.push(module(random, type, instance, Number(random.pick(nodeIds)) || 1, domain));
    return true;
  },
  address: (inventory, random) => {
    const nodes = objectAt(inventory, 'facts', 'nodes');
    const leaderAddress = Object.values(nodes ?? {}).find((item) => isObject(item) && item.cluster_leader === true);
    const leaderIp = isObject(leaderAddress) ? leaderAddress.default_ipv4 : undefined;
    return readdressOne(
      nodes,
      random,
      (key) => key === 'default_ipv4',
      (ip) => ip === leaderIp,
    );
  },
  toggle: (inventory, random) =>
    random.chance(0.3)
      ? toggleOneFlag(objectAt(inventory, 'facts', 'cluster'), random, (key) => key === 'enabled' || key === 'manual_configuration')
      : toggleOneFlag(arrayAt(inventory, 'facts', 'modules'), random, (key) => key.endsWith('enabled')),
  reorder: (inventory, random) => reorderOneList(objectAt(inventory, 'facts'), random),
};

function node(random: Random, id: number, domain: string, lan: string, coreVersion: string): JsonObject {
  const product = random.pick(PRODUCTS);
  const virtual = product.manufacturer === 'QEMU' ? 'kvm' : product.manufacturer.startsWith('VMware') ? 'VMware' : 'physical';
  const memory = random.pick([8, 16, 32, 64]) * 1024 ** 3;
  const used = Math.round(memory * (0.3 + random.next() * 0.5));
  const swap = random.pick([0, 2, 4]) * 1024 ** 3;
  return {
    fqdn: `node${id}.${domain}`,
    default_ipv4: `${lan}.${10 + id}`,
    default_ipv6: `2001:db8:${random.hex(4)}::${10 + id}`,
    cluster_leader: id === 1,
    ui_name: id === 1 ? 'Leader' : `Worker ${id - 1}`,
    version: coreVersion,
    distro: { ...random.pick(NS8_DISTROS) },
    processors: { count: random.pick([2, 4, 8, 16]), model: random.pick(CPU_MODELS), architecture: 'x86_64' },
    product: { ...product },
    virtual,
    memory: {
      swap: { used_bytes: swap === 0 ? 0 : random.between(0, 256) * 1024 ** 2, available_bytes: swap },
      system: { used_bytes: used, available_bytes: memory - used },
    },
    pci: random
      .shuffle([...PCI_DEVICES])
      .slice(0, id === 1 ? 4 : 2)
      .map((device) => ({ ...device })),
  };
}

function module(random: Random, type: string, instance: number, nodeId: number, domain: string): JsonObject {
  const spec = MODULE_TYPES[type];
  if (spec === undefined) throw new Error(`unknown NS8 module type ${type}`);
  const id = `${type}${instance}`;
  return {
    id,
    module: type,
    name: spec.name,
    version: spec.version,
    node: String(nodeId),
    ui_name: random.chance(0.3) ? `${spec.name} ${instance}` : '',
    source: `ghcr.io/nethserver/${type}`,
    ...spec.facts(random, domain),
  };
}
