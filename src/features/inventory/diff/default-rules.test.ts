import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SEVERITIES, type Category, type Severity } from '../../../domain/changes.ts';
import { classifyChange, loadChangeRules } from './change-rules.ts';
import type { ChangeType } from '../../../domain/changes.ts';
import { diffInventories, type FieldChange } from './inventory-diff.ts';
import { genericInventory, ns8Inventory, nsecInventory } from '../../../../test/fixtures/sample-inventories.ts';

type Json = Record<string, unknown>;

const RULES_FILE = path.join(import.meta.dirname, '..', '..', '..', '..', 'rules', 'inventory-rules.json');
const rules = loadChangeRules(RULES_FILE);

interface Case {
  change: FieldChange;
  rule: string;
  category: Category;
  severity: Severity;
  significant: boolean;
}

function when(type: ChangeType, path: string, previous: unknown, current: unknown) {
  return {
    is: (rule: string, category: Category, severity: Severity, significant = true): Case => ({
      change: { path, type, previous, current },
      rule,
      category,
      severity,
      significant,
    }),
  };
}
const updated = (path: string, previous: unknown, current: unknown) => when('update', path, previous, current);
const created = (path: string, current: unknown) => when('create', path, null, current);
const deleted = (path: string, previous: unknown) => when('delete', path, previous, null);

/** At least one case per rule of the default file, in its order; generic and appliance paths. */
const CASES: Case[] = [
  updated('facts.nodes.1.uptime_seconds', 1_209_601, 1_231_201).is('uptime', 'nodes', 'low', false),
  updated('facts.nodes.1.uptime_seconds', 1_209_601, 60).is('uptime', 'nodes', 'low', false),
  updated('facts.system_uptime.seconds', '725229', '746829').is('uptime', 'system', 'low', false),
  updated('uptime', 100, 200).is('uptime', 'system', 'low', false),

  updated('facts.memory.system.used_bytes', 579_198_976, 1_579_198_976).is('resource-usage', 'hardware', 'low', false),
  updated('facts.nodes.2.mountpoints./.available_bytes', 64_000_000_000, 32_000_000_000).is('resource-usage', 'hardware', 'low', false),
  updated('hardware.cpu_usage_percent', 12, 80).is('resource-usage', 'hardware', 'low', false),
  updated('facts.modules[id=mail1].filter.antivirus.memory_info.available', 2048, 1024).is('resource-usage', 'security', 'low', false),
  updated('metrics.load_5m', 0.2, 1.7).is('resource-usage', 'system', 'low', false),

  updated('facts.features.backups.passphrase_date', 1_747_324_139, 1_757_324_139).is('timestamps', 'backup', 'low', false),
  updated('services.nginx.started_at', '2025-11-06T10:00:00Z', '2025-11-07T10:00:00Z').is('timestamps', 'services', 'low', false),
  updated('custom.last_check', 'monday', 'tuesday').is('timestamps', 'custom', 'low', false),
  updated('metrics.timestamp', '2023-01-01T10:00:00Z', '2023-01-01T10:05:00Z').is('timestamps', 'system', 'low', false),

  updated('facts.features.dhcp_server.dynamic_leases', 65, 130).is('activity-counters', 'features', 'low', false),
  updated('facts.modules[id=nethvoice1].nethvoice_total_calls', 1000, 5000).is('activity-counters', 'modules', 'low', false),
  updated('hardware.cpu_temperature', 40, 71).is('activity-counters', 'hardware', 'low', false),
  updated('system.process_count', 180, 420).is('activity-counters', 'system', 'low', false),

  deleted('hardware', { cpu_cores: 8 }).is('hardware-removed', 'hardware', 'critical'),
  deleted('hardware.disk_total_gb', 500).is('hardware-removed', 'hardware', 'critical'),
  deleted('facts.nodes.2.pci[3]', { class_name: 'VGA compatible controller' }).is('hardware-removed', 'hardware', 'critical'),
  deleted('facts.processors', { count: '4' }).is('hardware-removed', 'hardware', 'critical'),
  deleted('facts.mountpoints./data', { used_bytes: 1 }).is('hardware-removed', 'hardware', 'critical'),

  deleted('facts.nodes.3', { version: '3.8.1' }).is('node-removed', 'nodes', 'critical'),
  deleted('nodes[name=worker-2]', { name: 'worker-2' }).is('node-removed', 'nodes', 'critical'),

  deleted('network.interfaces.eth1', { ip: '10.0.0.10' }).is('network-interface-removed', 'network', 'critical'),
  deleted('facts.features.network.configuration.eth1', { name: 'eth1' }).is('network-interface-removed', 'network', 'critical'),
  deleted('facts.nodes.1.network.configuration.eth0', { name: 'eth0' }).is('network-interface-removed', 'network', 'critical'),
  deleted('facts.esmithdb.networks[name=eth5]', { name: 'eth5' }).is('network-interface-removed', 'network', 'critical'),

  updated('facts.features.default_password.default_password', false, true).is('default-password', 'security', 'critical'),

  created('security.vulnerabilities[id=CVE-2024-6387]', { id: 'CVE-2024-6387', score: 8.1 }).is('vulnerability-reported', 'security', 'high'),

  updated('features.firewall.enabled', true, false).is('protection-disabled', 'security', 'high'),
  updated('facts.features.threat_shield.enabled', true, false).is('protection-disabled', 'security', 'high'),
  updated('facts.modules[id=mail1].filter.antivirus.enabled', true, false).is('protection-disabled', 'security', 'high'),

  deleted('features.firewall', { enabled: true, type: 'nftables' }).is('protection-removed', 'security', 'high'),
  deleted('facts.features.snort', { enabled: true }).is('protection-removed', 'security', 'high'),

  updated('custom.backup_enabled', true, false).is('backup-disabled', 'backup', 'high'),
  updated('features.backup.enabled', true, false).is('backup-disabled', 'backup', 'high'),

  updated('facts.cluster.backup.backup_count', 2, 0).is('backup-none-configured', 'backup', 'high'),

  deleted('facts.cluster.backup', { backup_count: 2 }).is('backup-removed', 'backup', 'high'),
  deleted('backup', { enabled: true }).is('backup-removed', 'backup', 'high'),

  updated('installation', 'nethserver', 'nethsecurity').is('installation-changed', 'system', 'high'),

  updated('facts.distro.version', '8.5.1', '8.5.2').is('os-version', 'os', 'high'),
  updated('facts.nodes.1.distro.version', '9.5', '9.6').is('os-version', 'os', 'high'),
  updated('os.release.full', '8.6.0-dev+43d54cd33.20251020175318', '8.6.0').is('os-version', 'os', 'high'),

  updated('os.kernel', '5.14.0-362.8.1.el9_3.x86_64', '5.14.0-427.el9.x86_64').is('os-kernel', 'os', 'medium'),
  updated('facts.nodes.2.kernel_version', '5.14.0-503', '5.14.0-570').is('os-kernel', 'os', 'medium'),
  updated('facts.kernel_version', '6.6.73', '6.6.80').is('os-kernel', 'os', 'medium'),

  updated('version', '8.0.1', '8.1.0').is('platform-version', 'system', 'high'),
  updated('facts.nodes.1.version', '3.8.1', '3.9.0').is('platform-version', 'nodes', 'high'),

  updated('facts.modules[id=mail1].version', '1.6.4', '1.6.5').is('module-version', 'modules', 'medium'),
  created('facts.modules[id=traefik2]', { id: 'traefik2' }).is('module-added', 'modules', 'medium'),
  deleted('facts.modules[id=loki1]', { id: 'loki1' }).is('module-removed', 'modules', 'high'),

  updated('services.postgresql.version', '15.5', '16.1').is('service-version', 'services', 'medium'),
  updated('services.redis.status', 'running', 'stopped').is('service-status', 'services', 'medium'),
  created('services.mysql', { version: '8.0', status: 'running' }).is('service-added', 'services', 'medium'),
  deleted('services.redis', { version: '7.2.3', status: 'running' }).is('service-removed', 'services', 'high'),

  created('facts.nodes.4', { version: '3.8.1' }).is('node-added', 'nodes', 'medium'),

  updated('facts.cluster.leader_node_id', '1', '2').is('cluster-identity', 'cluster', 'high'),

  updated('facts.cluster.subscription', 'enterprise', 'community').is('subscription', 'cluster', 'high'),
  updated('facts.features.subscription_status.status', 'enterprise', 'none').is('subscription', 'features', 'high'),

  updated('fqdn', 'server.example.com', 'srv.example.com').is('network-identity', 'network', 'high'),
  updated('network.hostname', 'server01', 'server02').is('network-identity', 'network', 'high'),
  updated('facts.nodes.1.default_ipv4', '192.168.10.11', '192.168.20.11').is('network-identity', 'network', 'high'),

  updated('network.interfaces.eth0.ip', '192.168.1.100', '192.168.1.101').is('network-interface-changed', 'network', 'medium'),
  created('network.interfaces.eth2', { ip: '10.1.0.1' }).is('network-interface-changed', 'network', 'medium'),
  updated('facts.features.network.configuration.eth1.props.ipaddr', '203.0.113.2', '203.0.113.3').is('network-interface-changed', 'network', 'medium'),

  created('facts.features.wireguard', { instances: 1 }).is('feature-added', 'security', 'medium'),
  updated('facts.features.dpi.enabled', false, true).is('feature-toggled', 'features', 'medium'),
  updated('features.docker', true, false).is('feature-toggled', 'features', 'medium'),
  deleted('features.docker', { enabled: true }).is('feature-removed', 'features', 'medium'),
  deleted('facts.features.dpi', { enabled: false }).is('feature-removed', 'features', 'medium'),

  updated('hardware.cpu_cores', 8, 16).is('hardware-changed', 'hardware', 'medium'),
  updated('facts.nodes.1.processors.model', 'AMD EPYC 7282', 'AMD EPYC 9254').is('hardware-changed', 'hardware', 'medium'),
  updated('facts.virtual', 'physical', 'kvm').is('hardware-changed', 'hardware', 'medium'),

  updated('facts.features.ha.vips', 10, 13).is('numeric-jump', 'features', 'medium'),
  updated('custom.rack_units', 2, 4).is('numeric-jump', 'custom', 'medium'),
  updated('facts.modules[id=mail1].mailboxes_total_count', 30, 40).is('numeric-jump', 'modules', 'medium'),
  updated('facts.cluster.admins.2fa', 1, 2).is('numeric-jump', 'security', 'medium'),

  updated('features.firewall.type', 'iptables', 'nftables').is('security-changed', 'security', 'medium'),
  updated('facts.features.firewall_stats.firewall.rules.input', 12, 13).is('security-changed', 'security', 'medium'),
  updated('facts.image_updates_available', false, true).is('security-changed', 'security', 'medium'),
  updated('facts.nodes.3.update_available', false, true).is('security-changed', 'security', 'medium'),

  created('facts.cluster.backup.destination_providers[=s3]', 's3').is('backup-changed', 'backup', 'medium'),
  updated('facts.features.backups.backup_passphrase', true, false).is('backup-changed', 'backup', 'medium'),

  updated('custom.environment', 'production', 'staging').is('fallback', 'custom', 'low'),
  updated('facts.features.ha.vips', 11, 12).is('fallback', 'features', 'low'),
  updated('something.unknown', 'a', 'b').is('fallback', 'system', 'low'),
  created('fqdn', 'server.example.com').is('fallback', 'network', 'low'),
];

describe('default rules (rules/inventory-rules.json)', () => {
  it('load from the file shipped with the project', () => {
    assert.equal(rules.source, RULES_FILE);
    assert.ok(rules.rules.length > 10);
  });

  it('classify each case as written', () => {
    for (const expected of CASES) {
      const { change } = expected;
      assert.deepEqual(
        classifyChange(change, rules),
        { category: expected.category, severity: expected.severity, significant: expected.significant, rule: expected.rule },
        `${change.type} ${change.path}: ${JSON.stringify(change.previous)} → ${JSON.stringify(change.current)}`,
      );
    }
  });

  it('have at least one case per rule', () => {
    const covered = new Set(CASES.map((expected) => expected.rule));
    assert.deepEqual(
      rules.rules.map((rule) => rule.id).filter((id) => !covered.has(id)),
      [],
    );
  });

  it('let only measurements stay below medium ahead of the 20 % rule, so any other numeric jump is at least medium', () => {
    const jump = rules.rules.findIndex((rule) => rule.id === 'numeric-jump');
    assert.ok(jump > 0);
    for (const rule of rules.rules.slice(0, jump)) {
      assert.ok(SEVERITIES.indexOf(rule.severity) >= SEVERITIES.indexOf('medium') || !rule.significant, `${rule.id} would hide a numeric jump`);
    }
    assert.equal(rules.rules[jump]!.match.numeric_change_over_percent, 20);
  });

  it('end with a catch-all: low, significant, category from the area (system when none)', () => {
    const last = rules.rules.at(-1)!;
    assert.deepEqual([last.id, last.match, last.category, last.severity, last.significant], ['fallback', {}, undefined, 'low', true]);
  });

  describe("reproduce the seed's change log", () => {
    const previous = genericInventory();
    (previous.os as Json).version = '9.2';
    ((previous.services as Json).nginx as Json).version = '1.23.0';
    delete (previous.features as Json).docker;
    const current = genericInventory();
    const verdicts = new Map(diffInventories(previous, current).changes.map((change) => [change.path, { change, verdict: classifyChange(change, rules) }]));

    it('OS version 9.2 → 9.3 is High, category OS', () => {
      assert.deepEqual(verdicts.get('os.version'), {
        change: { path: 'os.version', type: 'update', previous: '9.2', current: '9.3' },
        verdict: { category: 'os', severity: 'high', significant: true, rule: 'os-version' },
      });
    });

    it('Nginx 1.23.0 → 1.24.0 is Medium, category Services', () => {
      assert.deepEqual(verdicts.get('services.nginx.version'), {
        change: { path: 'services.nginx.version', type: 'update', previous: '1.23.0', current: '1.24.0' },
        verdict: { category: 'services', severity: 'medium', significant: true, rule: 'service-version' },
      });
    });

    it('New feature enabled: Docker (24.0.7) is Medium, category Features', () => {
      assert.deepEqual(verdicts.get('features.docker'), {
        change: { path: 'features.docker', type: 'create', previous: null, current: { enabled: true, version: '24.0.7' } },
        verdict: { category: 'features', severity: 'medium', significant: true, rule: 'feature-added' },
      });
      assert.deepEqual(classifyChange({ path: 'features.docker.enabled', type: 'update', previous: false, current: true }, rules), {
        category: 'features',
        severity: 'medium',
        significant: true,
        rule: 'feature-toggled',
      });
    });

    it('and nothing else', () => {
      assert.deepEqual([...verdicts.keys()], ['features.docker', 'os.version', 'services.nginx.version']);
    });
  });

  function classifiedDiff(previous: unknown, current: unknown): string[] {
    return diffInventories(previous, current).changes.map((change) => {
      const verdict = classifyChange(change, rules);
      return `${change.path} ${change.type}: ${verdict.category}/${verdict.severity}${verdict.significant ? '' : ' (not significant)'} by ${verdict.rule}`;
    });
  }

  it('classify a NethServer 8 cluster inventory that changed', () => {
    const previous = ns8Inventory();
    const current = ns8Inventory();
    const facts = current.facts as { cluster: Json; nodes: Record<string, Json>; modules: Json[] };
    facts.modules.reverse();
    facts.modules.find((module) => module.id === 'mail1')!.version = '1.6.5';
    facts.modules = facts.modules.filter((module) => module.id !== 'loki1');
    facts.modules.push({ id: 'traefik2', module: 'traefik', name: 'traefik', version: '3.3.1', node: '4' });
    for (const node of Object.values(facts.nodes)) node.uptime_seconds = (node.uptime_seconds as number) + 21_600;
    delete facts.nodes['3'];
    facts.nodes['1']!.version = '3.9.0';
    (facts.cluster.backup as Json).backup_count = 0;
    (facts.cluster.admins as Json).count = 3;
    assert.deepEqual(classifiedDiff(previous, current), [
      'facts.cluster.admins.count update: security/medium by numeric-jump',
      'facts.cluster.backup.backup_count update: backup/high by backup-none-configured',
      'facts.modules[id=loki1] delete: modules/high by module-removed',
      'facts.modules[id=mail1].version update: modules/medium by module-version',
      'facts.modules[id=traefik2] create: modules/medium by module-added',
      'facts.nodes.1.uptime_seconds update: nodes/low (not significant) by uptime',
      'facts.nodes.1.version update: nodes/high by platform-version',
      'facts.nodes.2.uptime_seconds update: nodes/low (not significant) by uptime',
      'facts.nodes.3 delete: nodes/critical by node-removed',
      'facts.nodes.4.uptime_seconds update: nodes/low (not significant) by uptime',
    ]);
  });

  it('classify a NethSecurity inventory that changed', () => {
    const previous = nsecInventory();
    const current = nsecInventory();
    const facts = current.facts as Json & { features: Record<string, Json>; memory: { system: Json } };
    facts.uptime_seconds = 60;
    facts.memory.system.used_bytes = 2_000_000_000;
    (facts.distro as Json).version = '8.5.2';
    facts.package_updates_available = true;
    facts.features.snort!.enabled = false;
    facts.features.dhcp_server!.dynamic_leases = 12;
    facts.features.adblock!.enterprise = 8;
    delete (facts.features.network!.configuration as Json).eth1;
    facts.pci = (facts.pci as Json[]).slice(0, 4);
    assert.deepEqual(classifiedDiff(previous, current), [
      'facts.distro.version update: os/high by os-version',
      'facts.features.adblock.enterprise update: features/medium by numeric-jump',
      'facts.features.dhcp_server.dynamic_leases update: features/low (not significant) by activity-counters',
      'facts.features.network.configuration.eth1 delete: network/critical by network-interface-removed',
      'facts.features.snort.enabled update: security/high by protection-disabled',
      'facts.memory.system.used_bytes update: hardware/low (not significant) by resource-usage',
      'facts.package_updates_available update: security/medium by security-changed',
      'facts.pci[4] delete: hardware/critical by hardware-removed',
      'facts.uptime_seconds update: system/low (not significant) by uptime',
    ]);
  });

  it('classify the generic shape when hardware and interfaces disappear', () => {
    const previous = genericInventory();
    const current = genericInventory();
    delete (current.network as { interfaces: Json }).interfaces.eth1;
    (current.hardware as Json).memory_total_gb = 64;
    delete (current.hardware as Json).disk_total_gb;
    (current.features as { firewall: Json }).firewall.enabled = false;
    assert.deepEqual(classifiedDiff(previous, current), [
      'features.firewall.enabled update: security/high by protection-disabled',
      'hardware.disk_total_gb delete: hardware/critical by hardware-removed',
      'hardware.memory_total_gb update: hardware/medium by hardware-changed',
      'network.interfaces.eth1 delete: network/critical by network-interface-removed',
    ]);
  });
});
