import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeXname, verifyNormalizeXname, xnameType } from './xname.ts';

describe('xnames as the daemon reads them', () => {
  // hms-base hmstypes_test.go, goodTests: one name per component type.
  const byType: Array<[string, string]> = [
    ['d0', 'CDU'],
    ['d0w0', 'CDUMgmtSwitch'],
    ['x0d0', 'CabinetCDU'],
    ['x0m1p0', 'CabinetPDU'],
    ['x2000m3', 'CabinetPDUController'],
    ['x0m0i1', 'CabinetPDUNic'],
    ['x0m1p3j1', 'CabinetPDUOutlet'],
    ['x0m1p3v1', 'CabinetPDUPowerConnector'],
    ['x0', 'Cabinet'],
    ['x0b0', 'CabinetBMC'],
    ['x0c0', 'Chassis'],
    ['x0c0b0', 'ChassisBMC'],
    ['x0c0b0i1', 'ChassisBMCNic'],
    ['x0c0t9', 'CMMRectifier'],
    ['x0c0f0', 'CMMFpga'],
    ['x0e0', 'CEC'],
    ['x0c0s0', 'ComputeModule'],
    ['x0c0r0', 'RouterModule'],
    ['x0c0s0b0', 'NodeBMC'],
    ['x0c0s0e0', 'NodeEnclosure'],
    ['x0c0s0e0t0', 'NodeEnclosurePowerSupply'],
    ['x0c0s0j1', 'NodePowerConnector'],
    ['x0c0s0v1', 'NodePowerConnector'],
    ['x0c0s0b0n0', 'Node'],
    ['x0c0s0b0n0p0', 'Processor'],
    ['x0c0s0b0n0g0k0', 'Drive'],
    ['x0c0s0b0n0g0', 'StorageGroup'],
    ['x0c0s0b0n0i1', 'NodeNic'],
    ['x0c0s0b0n0h1', 'NodeHsnNic'],
    ['x0c0s0b0n0d0', 'Memory'],
    ['x0c0s0b0n0a0', 'NodeAccel'],
    ['x0c0s0b0n0r0', 'NodeAccelRiser'],
    ['x0c0s0b0f0', 'NodeFpga'],
    ['x0c0r16e0', 'HSNBoard'],
    ['x0c0r0a0', 'HSNAsic'],
    ['x0c0r0f0', 'RouterFpga'],
    ['x0c0r0t0f0', 'RouterTORFpga'],
    ['x0c0r0b0', 'RouterBMC'],
    ['x0c0r0b0i1', 'RouterBMCNic'],
    ['x0c0r0v1', 'RouterPowerConnector'],
    ['x0c0r0a0l0', 'HSNLink'],
    ['x0c0r0j1', 'HSNConnector'],
    ['x0c0r0j1p1', 'HSNConnectorPort'],
    ['x0c0w1', 'MgmtSwitch'],
    ['x0c0w1j1', 'MgmtSwitchConnector'],
    ['x0c0h1s2', 'MgmtHLSwitch'],
    ['sms1', 'SMSBox'],
    ['p0.0', 'Partition'],
    ['s0', 'System'],
    ['all', 'All'],
    ['all_comp', 'AllComp'],
    ['all_svc', 'AllSvc'],
  ];

  it('recognizes each component type (hms-base goodTests)', () => {
    for (const [name, type] of byType) assert.equal(xnameType(name), type, name);
  });

  it('refuses what is not an xname (hms-base GetHMSType and ValidateCompIDs cases)', () => {
    const invalid = ['asdfasdfa', '', 'xray', 'down', 'x0m0p0j0', 'x1c0w0', 'x1c0h0s2', 'x1c0h1s0', 'x0c0s4j4', 'x1m0p0j0', 'd0wW', 'xxyyzz'];
    for (const name of invalid) assert.equal(xnameType(name), null, name);
    // The daemon's own test posts x1c2s2b0n3v4 and expects 200; it is no xname in hms-base's table.
    assert.equal(xnameType('x1c2s2b0n3v4'), null);
  });

  it('accepts the valid names of hms-base ValidateCompIDs', () => {
    const valid = [
      ...['x0', 'x1', 'x10', 'x100', 'x1000', 'x0d0', 'x0b0', 'x0c0', 'x0e0', 'x0m0', 'x0m0p0', 'x0m0i0', 'x0m0p0j1', 'x1c0'],
      ...['x0c0b0', 'x0c0t0', 'x0c0f0', 'x0c0s0', 'x0c0r0', 'x1c0w1', 'x1c0h1s2'],
      ...['x1c0r47j31', 'x0c0r1a0', 'x0c0r1a0l64', 'x1c0r2e0', 'x1c0r2b0', 'x1c2r3b0i0', 'x16c3r2f0', 'x1234c0r1t0f0', 'x16c3r4j7', 'x16c3r4j7p0'],
      ...['x0c0s64', 'x0c0s4j1', 'x16c3s1b1', 'x16c2s3b0n1', 'x3c0s16e0', 'x16c2s3b0n1p1', 'x16c2s3b0n1g1', 'x16c2s3b0n1g1k1'],
      ...['x16c3s0b0n1h1', 'x16c3s0b0n1i1', 'x16c3s0b0n1d3', 'x16c3s0b1n0a1', 'x16c3s4b1f0', 'x1m1p0j64', 'x1m0p1j10', 'd0w1', 'd0w30'],
    ];
    for (const name of valid) assert.notEqual(xnameType(name), null, name);
  });

  it('checks the name exactly as written: uppercase or padded names only pass after normalization', () => {
    assert.equal(xnameType('X0C0S0B0N0'), null);
    assert.equal(xnameType('x3000c0s01b0n00'), 'Node'); // leading zeros still match [0-9]+
    assert.equal(xnameType('x10000c0'), null); // a cabinet has at most four digits
    assert.equal(xnameType('x0c8'), null); // chassis 0-7
    assert.equal(xnameType(' x0c0 '), null);
  });

  it('removes leading zeros from each run of digits (hms-base TestRemoveLeadingZeros)', () => {
    const cases: Array<[string, string]> = [
      ['x0c0s0b0', 'x0c0s0b0'],
      ['x0000c00s00b00', 'x0c0s0b0'],
      ['x01000c01s010b01', 'x1000c1s10b1'],
      ['x10000c10s100b1000', 'x10000c10s100b1000'],
      ['x0c0s0b01', 'x0c0s0b1'],
      ['x0c0s0b10', 'x0c0s0b10'],
      ['x0c0s0b1', 'x0c0s0b1'],
      ['00', '0'],
      ['0', '0'],
      ['a', 'a'],
      ['1', '1'],
    ];
    for (const [input, output] of cases) assert.equal(normalizeXname(input), output, input);
  });

  it('removes zeros exactly as hms-base RemoveLeadingZeros on any ASCII name', () => {
    // The daemon's loop, transcribed: a 0 after a non-digit (dropped zeros do not count) and before a digit goes.
    const reference = (s: string): string => {
      if (s.length < 2) return s;
      let out = '';
      let lastWasLetter = true;
      let i = 0;
      for (; i < s.length - 1; i++) {
        if (s[i] === '0' && lastWasLetter && /[0-9]/.test(s[i + 1]!)) continue;
        lastWasLetter = !/[0-9]/.test(s[i]!);
        out += s[i];
      }
      return out + s[i];
    };
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 5000; n++) {
      const name = Array.from({ length: next() % 12 }, () => 'x0c0s01b9n_. Z'[next() % 14]).join('');
      assert.equal(normalizeXname(name), reference(name.trim()).toLowerCase(), JSON.stringify(name));
    }
  });

  it('normalizes: trim, leading zeros, lowercase', () => {
    assert.equal(normalizeXname('X0C0S0B0N0'), 'x0c0s0b0n0');
    assert.equal(normalizeXname('x3000c0s01b0n00'), 'x3000c0s1b0n0');
    assert.equal(normalizeXname(' \tX3000C0S001B0N0\n'), 'x3000c0s1b0n0');
    assert.equal(normalizeXname('\u00a0x1\u3000'), 'x1'); // Go's unicode.IsSpace
    assert.equal(normalizeXname('\ufeffx1'), '\ufeffx1'); // not Go white space
    assert.equal(normalizeXname('nid0001'), 'nid1'); // normalizes even what is no xname
  });

  it('verifies and normalizes in one step, null for an invalid name', () => {
    assert.equal(verifyNormalizeXname('X0C0S0B0N0'), 'x0c0s0b0n0');
    assert.equal(verifyNormalizeXname('x3000c0s01b0n00'), 'x3000c0s1b0n0');
    assert.equal(verifyNormalizeXname('x0C0s0B0n0i1'), 'x0c0s0b0n0i1');
    assert.equal(verifyNormalizeXname('S0'), 's0');
    assert.equal(verifyNormalizeXname('x00001c0'), 'x1c0'); // five digits, but four after normalization
    for (const name of ['', 'xxyyzz', 'x0c0s0b0n0x', 'x0c9', 'node1', 'x0c0s0b0n0 extra', 'X0C0S4J4']) {
      assert.equal(verifyNormalizeXname(name), null, name);
    }
  });

  it('lowercases as Go does, code point by code point', () => {
    // U+0130 lowercases to a plain i in Go (JavaScript gives i + U+0307); U+212A (Kelvin) to k.
    assert.equal(verifyNormalizeXname('x0c0s0b0n0\u01301'), 'x0c0s0b0n0i1');
    assert.equal(verifyNormalizeXname('x0c0s0b0n0g0\u212a0'), 'x0c0s0b0n0g0k0');
  });
});
