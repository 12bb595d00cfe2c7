import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldPath } from './field-path.ts';
import { DEFAULT_MAX_CHANGES, diffInventories, type FieldChange } from './inventory-diff.ts';
import { genericInventory, ns8Inventory, nsecInventory } from '../../../../test/fixtures/sample-inventories.ts';

type Json = Record<string, unknown>;

function changesOf(previous: unknown, current: unknown, options?: Parameters<typeof diffInventories>[2]): FieldChange[] {
  const result = diffInventories(previous, current, options);
  assert.equal(result.limited, null);
  return result.changes;
}

const update = (path: string, previous: unknown, current: unknown): FieldChange => ({ path, type: 'update', previous, current });
const create = (path: string, current: unknown): FieldChange => ({ path, type: 'create', previous: null, current });
const remove = (path: string, previous: unknown): FieldChange => ({ path, type: 'delete', previous, current: null });

describe('diffInventories', () => {
  it('finds nothing between equal inventories, whatever their key order', () => {
    assert.deepEqual(changesOf(ns8Inventory(), ns8Inventory()), []);
    assert.deepEqual(changesOf(nsecInventory(), structuredClone(nsecInventory())), []);
    assert.deepEqual(changesOf({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }), []);
  });

  it('reports changed scalars by dotted path', () => {
    const before = genericInventory();
    const after = genericInventory();
    (after.os as Json).version = '9.4';
    ((after.network as Json).interfaces as Record<string, Json>).eth0!.ip = '192.168.1.101';
    ((after.services as Json).nginx as Json).version = '1.25.0';
    assert.deepEqual(changesOf(before, after), [
      update('network.interfaces.eth0.ip', '192.168.1.100', '192.168.1.101'),
      update('os.version', '9.3', '9.4'),
      update('services.nginx.version', '1.24.0', '1.25.0'),
    ]);
  });

  it('reports a whole subtree added or removed as one change at its root', () => {
    const before = genericInventory();
    const after = genericInventory();
    const docker = { enabled: true, version: '24.0.7', plugins: { compose: '2.24' } };
    delete (before.features as Json).docker;
    (after.features as Json).docker = docker;
    delete (after.network as { interfaces: Json }).interfaces.eth1;
    delete after.hardware;
    assert.deepEqual(changesOf(before, after), [
      create('features.docker', docker),
      remove('hardware', genericInventory().hardware),
      remove('network.interfaces.eth1', { ip: '10.0.0.10', netmask: '255.255.0.0', mac: '00:1a:2b:3c:4d:5f' }),
    ]);
  });

  it('reports a change of kind as one update carrying both values', () => {
    assert.deepEqual(changesOf({ a: { b: 1 } }, { a: 'now a string' }), [update('a', { b: 1 }, 'now a string')]);
    assert.deepEqual(changesOf({ a: [1] }, { a: { 0: 1 } }), [update('a', [1], { 0: 1 })]);
    assert.deepEqual(changesOf({ a: null }, { a: { b: 1 } }), [update('a', null, { b: 1 })]);
    assert.deepEqual(changesOf({ a: 1 }, { a: '1' }), [update('a', 1, '1')]);
    assert.deepEqual(changesOf({ a: null }, { a: false }), [update('a', null, false)]);
  });

  it('treats an undefined property as absent and a null one as present', () => {
    assert.deepEqual(changesOf({ a: 1, b: undefined }, { a: 1 }), []);
    assert.deepEqual(changesOf({ a: 1 }, { a: 1, b: undefined }), []);
    assert.deepEqual(changesOf({ a: 1 }, { a: 1, b: null }), [create('b', null)]);
    assert.deepEqual(changesOf({ a: 1, b: null }, { a: 1 }), [remove('b', null)]);
    assert.deepEqual(changesOf({ constructor: 1 }, {}), [remove('constructor', 1)]);
    assert.deepEqual(changesOf({}, { toString: 'x' }), [create('toString', 'x')]);
  });

  it('compares roots of other kinds at the empty path', () => {
    assert.deepEqual(changesOf(1, 2), [update('', 1, 2)]);
    assert.deepEqual(changesOf({ a: 1 }, [1]), [update('', { a: 1 }, [1])]);
    assert.deepEqual(changesOf(undefined, { a: 1 }), [update('', null, { a: 1 })]);
    assert.deepEqual(changesOf([1, 2], [2, 1]), []);
  });

  it('quotes keys holding dots, brackets or spaces, so every path parses back', () => {
    const changes = changesOf({ network: { interfaces: { 'eth0.10': { ip: 'a' } } } }, { network: { interfaces: { 'eth0.10': { ip: 'b' } } }, 'odd [key]': 1 });
    assert.deepEqual(changes, [create('["odd [key]"]', 1), update('network.interfaces["eth0.10"].ip', 'a', 'b')]);
    for (const change of changesOf(nsecInventory(), {})) parseFieldPath(change.path);
  });

  describe('arrays of objects', () => {
    const modules = () => [
      { id: 'mail1', name: 'mail', version: '1.6.4' },
      { id: 'webtop1', name: 'webtop', version: '1.4.2' },
      { id: 'nextcloud1', name: 'nextcloud', version: '1.5.0' },
    ];

    it('match elements by identifier, so reordering is not a change', () => {
      assert.deepEqual(changesOf({ modules: modules() }, { modules: modules().reverse() }), []);
      const after = modules().reverse();
      after[0]!.version = '1.5.1';
      assert.deepEqual(changesOf({ modules: modules() }, { modules: after }), [update('modules[id=nextcloud1].version', '1.5.0', '1.5.1')]);
    });

    it('report an added or removed element whole, under its identifier', () => {
      const after = modules().filter((module) => module.id !== 'webtop1');
      after.push({ id: 'mattermost1', name: 'mattermost', version: '1.2.4' });
      assert.deepEqual(changesOf({ modules: modules() }, { modules: after }), [
        create('modules[id=mattermost1]', { id: 'mattermost1', name: 'mattermost', version: '1.2.4' }),
        remove('modules[id=webtop1]', { id: 'webtop1', name: 'webtop', version: '1.4.2' }),
      ]);
      assert.deepEqual(changesOf({ modules: [] }, { modules: modules().slice(0, 1) }), [create('modules[id=mail1]', modules()[0])]);
    });

    it('try identifier fields in order: id, name, ui_name, server, uuid, key, hostname, module_id, instance', () => {
      const cases: [string, Json[], Json[], string][] = [
        ['id wins over name', [{ id: 1, name: 'a', v: 1 }], [{ id: 1, name: 'a', v: 2 }], '[id=1].v'],
        [
          'name when id is missing somewhere',
          [
            { id: 1, name: 'a', v: 1 },
            { name: 'b', v: 1 },
          ],
          [
            { id: 1, name: 'a', v: 2 },
            { name: 'b', v: 1 },
          ],
          '[name=a].v',
        ],
        ['ui_name', [{ ui_name: 'Leader', v: 1 }], [{ ui_name: 'Leader', v: 2 }], '[ui_name=Leader].v'],
        ['server', [{ server: 'wg1', peers: 2 }], [{ server: 'wg1', peers: 3 }], '[server=wg1].peers'],
        ['uuid', [{ uuid: 'u-1', v: 1 }], [{ uuid: 'u-1', v: 2 }], '[uuid=u-1].v'],
        ['key', [{ key: 'k', v: 1 }], [{ key: 'k', v: 2 }], '[key=k].v'],
        ['hostname', [{ hostname: 'h1', v: 1 }], [{ hostname: 'h1', v: 2 }], '[hostname=h1].v'],
        ['module_id', [{ module_id: 'm1', v: 1 }], [{ module_id: 'm1', v: 2 }], '[module_id=m1].v'],
        ['instance', [{ instance: 'i1', v: 1 }], [{ instance: 'i1', v: 2 }], '[instance=i1].v'],
        [
          'skips an id that repeats',
          [
            { id: 1, name: 'a', v: 1 },
            { id: 1, name: 'b', v: 1 },
          ],
          [
            { id: 1, name: 'a', v: 2 },
            { id: 1, name: 'b', v: 1 },
          ],
          '[name=a].v',
        ],
        ['skips an id that is not a string or number', [{ id: { x: 1 }, name: 'a', v: 1 }], [{ id: { x: 1 }, name: 'a', v: 2 }], '[name=a].v'],
        [
          'keeps a string id apart from a number',
          [
            { id: '1', v: 1 },
            { id: 1, v: 1 },
          ],
          [
            { id: '1', v: 2 },
            { id: 1, v: 1 },
          ],
          '[id="1"].v',
        ],
      ];
      for (const [name, before, after, path] of cases) {
        assert.deepEqual(
          changesOf({ list: before }, { list: after }).map((change) => change.path),
          [`list${path}`],
          name,
        );
      }
    });

    it('fall back to the index without an identifier', () => {
      const devices = [
        { class_id: '0600', driver: '' },
        { class_id: '0200', driver: 'virtio-pci' },
      ];
      assert.deepEqual(changesOf({ pci: devices }, { pci: [devices[0], { class_id: '0200', driver: 'e1000' }] }), [
        update('pci[1].driver', 'virtio-pci', 'e1000'),
      ]);
      assert.deepEqual(changesOf({ pci: devices }, { pci: devices.slice(0, 1) }), [remove('pci[1]', devices[1])]);
      assert.deepEqual(changesOf({ pci: [] }, { pci: devices }), [create('pci[0]', devices[0]), create('pci[1]', devices[1])]);
    });

    it('use the identifier fields given instead of the default ones', () => {
      const before = {
        list: [
          { id: 1, serial: 'A', v: 1 },
          { id: 2, serial: 'B', v: 1 },
        ],
      };
      const after = {
        list: [
          { id: 2, serial: 'A', v: 2 },
          { id: 1, serial: 'B', v: 1 },
        ],
      };
      assert.deepEqual(changesOf(before, after, { identifierKeys: ['serial'] }), [
        update('list[serial=A].id', 1, 2),
        update('list[serial=A].v', 1, 2),
        update('list[serial=B].id', 2, 1),
      ]);
      assert.deepEqual(
        changesOf(before, after, { identifierKeys: [] }).map((change) => change.path),
        ['list[0].id', 'list[0].v', 'list[1].id'],
      );
      assert.throws(() => diffInventories(before, after, { identifierKeys: ['bad key'] }), RangeError);
    });

    it('fall back to the index for arrays mixing kinds', () => {
      assert.deepEqual(changesOf({ a: [1, { id: 'x', v: 1 }] }, { a: [1, { id: 'x', v: 2 }] }), [update('a[1].v', 1, 2)]);
      assert.deepEqual(changesOf({ a: [[1], [2]] }, { a: [[1], [3]] }), [remove('a[1][=2]', 2), create('a[1][=3]', 3)]);
    });
  });

  describe('arrays of scalars', () => {
    it('are sets: reordering is not a change', () => {
      assert.deepEqual(changesOf({ dns: ['1.1.1.1', '8.8.8.8'] }, { dns: ['8.8.8.8', '1.1.1.1'] }), []);
      assert.deepEqual(changesOf({ tags: ['a', 'a', 'b'] }, { tags: ['a', 'b', 'a'] }), []);
    });

    it('report each value that appears or disappears at path[=value]', () => {
      assert.deepEqual(changesOf({ dns: ['1.1.1.1', '8.8.8.8'] }, { dns: ['9.9.9.9', '1.1.1.1'] }), [
        remove('dns[=8.8.8.8]', '8.8.8.8'),
        create('dns[=9.9.9.9]', '9.9.9.9'),
      ]);
      assert.deepEqual(changesOf({ ids: [1, '1', true, null] }, { ids: ['1', null] }), [remove('ids[=1]', 1), remove('ids[=true]', true)]);
      assert.deepEqual(changesOf({ ids: [] }, { ids: ['two words'] }), [create('ids[="two words"]', 'two words')]);
    });

    it('report the whole array when a repeated value changes count', () => {
      assert.deepEqual(changesOf({ tags: ['a', 'a', 'b'] }, { tags: ['a', 'b'] }), [update('tags', ['a', 'a', 'b'], ['a', 'b'])]);
      assert.deepEqual(changesOf({ tags: ['a', 'b'] }, { tags: ['a', 'b', 'b', 'c'] }), [update('tags', ['a', 'b'], ['a', 'b', 'b', 'c'])]);
    });
  });

  it('lists changes in path order, the same on every run', () => {
    const before = {
      z: 1,
      a: { y: 1, b: 1 },
      'a-b': 1,
      a_b: 1,
      m: [
        { id: 'b', v: 1 },
        { id: 'a', v: 1 },
      ],
    };
    const after = {
      a_b: 2,
      'a-b': 2,
      m: [
        { id: 'a', v: 2 },
        { id: 'b', v: 2 },
      ],
      a: { b: 2, y: 2 },
      z: 2,
    };
    const paths = changesOf(before, after).map((change) => change.path);
    assert.deepEqual(paths, ['a-b', 'a.b', 'a.y', 'a_b', 'm[id=a].v', 'm[id=b].v', 'z']);
    assert.deepEqual(
      changesOf(after, before).map((change) => change.path),
      paths,
    );
    assert.deepEqual([...paths].sort(), paths);
  });

  it('diffs both appliance shapes field by field', () => {
    const before = ns8Inventory();
    const after = ns8Inventory();
    const facts = after.facts as { modules: Json[]; nodes: Record<string, Json>; cluster: Json };
    facts.modules.reverse();
    facts.modules.find((module) => module.id === 'mail1')!.version = '1.6.5';
    facts.modules.push({ id: 'traefik2', module: 'traefik', version: '3.3.1', node: '4' });
    facts.modules = facts.modules.filter((module) => module.id !== 'loki1');
    delete facts.nodes['3'];
    (facts.nodes['1']!.distro as Json).version = '9.6';
    facts.nodes['2']!.dns_servers = ['8.8.8.8', '9.9.9.9'];
    (facts.cluster.admins as Json)['2fa'] = 2;
    assert.deepEqual(
      changesOf(before, after).map((change) => `${change.type} ${change.path}`),
      [
        'update facts.cluster.admins.2fa',
        'delete facts.modules[id=loki1]',
        'update facts.modules[id=mail1].version',
        'create facts.modules[id=traefik2]',
        'update facts.nodes.1.distro.version',
        'delete facts.nodes.2.dns_servers[=1.1.1.1]',
        'create facts.nodes.2.dns_servers[=9.9.9.9]',
        'delete facts.nodes.3',
      ],
    );

    const firewall = nsecInventory();
    const changed = nsecInventory();
    const features = (changed.facts as { features: Record<string, Json> }).features;
    ((features.network!.configuration as Record<string, Json>).eth1!.props as Json).ipaddr = '203.0.113.3';
    (features.wireguard!.statistics as Json[])[0]!.peers = 3;
    delete features.dpi;
    assert.deepEqual(
      changesOf(firewall, changed).map((change) => `${change.type} ${change.path}`),
      [
        'delete facts.features.dpi',
        'update facts.features.network.configuration.eth1.props.ipaddr',
        'update facts.features.wireguard.statistics[server=wg1].peers',
      ],
    );
  });

  describe('limits', () => {
    const deep = (levels: number, leaf: unknown): unknown => (levels === 0 ? leaf : { [`l${levels}`]: deep(levels - 1, leaf) });

    it('stop descending at maxDepth, report the differing subtree whole, and say so', () => {
      const result = diffInventories({ a: deep(4, 1), same: deep(4, 1) }, { a: deep(4, 2), same: deep(4, 1) }, { maxDepth: 3 });
      assert.deepEqual(result.changes, [update('a.l4.l3', deep(2, 1), deep(2, 2))]);
      assert.deepEqual(result.limited, { reason: 'max_depth', limit: 3, path: 'a.l4.l3', omitted: 0, collapsed: 1 });

      const reordered = diffInventories({ a: deep(4, { y: 1, x: 2 }) }, { a: deep(4, { x: 2, y: 1 }) }, { maxDepth: 2 });
      assert.deepEqual(reordered, { changes: [], limited: null });
      assert.deepEqual(diffInventories({ a: 1 }, { a: 2 }, { maxDepth: 0 }).changes, [update('', { a: 1 }, { a: 2 })]);
    });

    it('describe nesting as deep as the default limit field by field', () => {
      const result = diffInventories(deep(31, 1), deep(31, 2));
      assert.equal(result.limited, null);
      assert.equal(result.changes[0]!.path.split('.').length, 31);
      assert.equal(diffInventories(deep(40, 1), deep(40, 2)).limited?.reason, 'max_depth');
    });

    it('keep the first maxChanges changes in path order and count the rest', () => {
      const before: Json = {};
      const after: Json = {};
      for (let i = 0; i < 10; i++) {
        before[`k${i}`] = i;
        after[`k${i}`] = i + 1;
      }
      const result = diffInventories(before, after, { maxChanges: 4 });
      assert.deepEqual(
        result.changes.map((change) => change.path),
        ['k0', 'k1', 'k2', 'k3'],
      );
      assert.deepEqual(result.limited, { reason: 'max_changes', limit: 4, path: 'k4', omitted: 6, collapsed: 0 });
    });

    it('name max_changes when both limits are reached, still counting the collapsed subtrees', () => {
      const result = diffInventories({ a: deep(3, 1), b: 1, c: 1 }, { a: deep(3, 2), b: 2, c: 2 }, { maxDepth: 2, maxChanges: 2 });
      assert.deepEqual(
        result.changes.map((change) => change.path),
        ['a.l3', 'b'],
      );
      assert.deepEqual(result.limited, { reason: 'max_changes', limit: 2, path: 'c', omitted: 1, collapsed: 1 });
    });

    it('default to 5000 changes', () => {
      const before = { list: Array.from({ length: 6000 }, (_, i) => ({ id: i, v: 0 })) };
      const after = { list: Array.from({ length: 6000 }, (_, i) => ({ id: i, v: 1 })) };
      const result = diffInventories(before, after);
      assert.equal(result.changes.length, DEFAULT_MAX_CHANGES);
      assert.equal(result.limited?.omitted, 1000);
    });

    it('refuse limits that are not non-negative integers', () => {
      assert.throws(() => diffInventories({}, {}, { maxDepth: -1 }), RangeError);
      assert.throws(() => diffInventories({}, {}, { maxDepth: 1.5 }), RangeError);
      assert.throws(() => diffInventories({}, {}, { maxDepth: 100_000 }), RangeError);
      assert.throws(() => diffInventories({}, {}, { maxChanges: -1 }), RangeError);
      assert.throws(() => diffInventories({}, {}, { maxChanges: Number.NaN }), RangeError);
    });
  });
});
