import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldPath } from './field-path.ts';
import { compilePathPattern, matchesPathPattern } from './path-pattern.ts';

function matches(pattern: string, path: string): boolean {
  return matchesPathPattern(compilePathPattern(pattern), parseFieldPath(path));
}

function check(pattern: string, yes: string[], no: string[]): void {
  for (const path of yes) assert.equal(matches(pattern, path), true, `${pattern} should match ${path}`);
  for (const path of no) assert.equal(matches(pattern, path), false, `${pattern} should not match ${path}`);
}

describe('path patterns', () => {
  it('match a literal path exactly', () => {
    check('os.version', ['os.version'], ['os', 'os.version.major', 'xos.version', 'OS.version']);
  });

  it('let a lone * stand for one segment, key or element', () => {
    check('services.*.version', ['services.nginx.version', 'services[id=x].version'], ['services.version', 'services.a.b.version']);
    check('network.interfaces.*', ['network.interfaces.eth0', 'network.interfaces["eth0.10"]'], ['network.interfaces', 'network.interfaces.eth0.ip']);
  });

  it('let a lone ** stand for any number of segments, none included', () => {
    check('**.uptime*', ['uptime', 'uptime_seconds', 'facts.nodes.1.uptime_seconds', 'a[0].uptime'], ['facts.system_uptime', 'uptime.seconds']);
    check('hardware.**', ['hardware', 'hardware.cpu_cores', 'hardware.disks[0].size'], ['hardwares', 'facts.hardware']);
    check('**', ['', 'a', 'a.b[0]'], []);
    check('**.*uptime*.**', ['facts.system_uptime.seconds', 'uptime', 'a.uptime_seconds'], ['facts.up.time']);
  });

  it('decide runs between globstars at their leftmost place, without backtracking mistakes', () => {
    check('a.**.b.c.**.d', ['a.b.c.d', 'a.x.b.c.y.z.d', 'a.b.c.b.c.d'], ['a.b.d', 'a.c.b.d', 'a.b.c']);
    check('**.a.b', ['a.b', 'a.a.b', 'x.a.b'], ['a.b.a', 'a']);
    check('**.a.**.a', ['a.a', 'a.x.a', 'x.a.y.z.a'], ['a', 'x.a.y']);
    check('**.**.z', ['z', 'a.z'], ['a']);
  });

  it('tell array elements from keys', () => {
    check('modules[*]', ['modules[id=mail1]', 'modules[0]', 'modules[=x]'], ['modules.mail1', 'modules', 'modules[0].version']);
    check('modules[*].version', ['modules[id=mail1].version'], ['modules.mail1.version']);
    check('modules[id=mail*]', ['modules[id=mail1]', 'modules[id=mail]'], ['modules[name=mail1]', 'modules[id=webtop1]']);
    check('list[=8.8.*]', ['list[=8.8.8.8]'], ['list[=1.1.1.1]']);
  });

  it('glob within a segment', () => {
    check('**.*_at', ['created_at', 'a.updated_at'], ['at', 'a.format', 'created_at.x']);
    check('**.last_*', ['last_seen', 'a.last_backup'], ['a.blast_x']);
    check('**.*firewall*', ['features.firewall', 'x.firewall_stats'], ['x.fire.wall']);
    check('a*b*c', ['abc', 'aXbYc', 'abbc'], ['ab', 'acb']);
    check('a+b(c)*', ['a+b(c)', 'a+b(c)d'], ['aab(c)', 'a+bc']);
  });

  it('match quoted keys by their text', () => {
    check('network.interfaces["eth0.10"].ip', ['network.interfaces["eth0.10"].ip'], ['network.interfaces.eth0.ip']);
    check('["a b"].*', ['["a b"].x'], ['a.x']);
  });

  it('refuse patterns outside the grammar', () => {
    assert.throws(() => compilePathPattern(''), SyntaxError);
    assert.throws(() => compilePathPattern('a..b'), SyntaxError);
    assert.throws(() => compilePathPattern('modules[*'), SyntaxError);
    assert.throws(() => compilePathPattern('a b'), SyntaxError);
  });
});
