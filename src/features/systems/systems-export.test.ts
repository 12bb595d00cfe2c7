import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { csvCell } from './systems-csv.ts';

describe('CSV cells', () => {
  it('quotes separators and quotes, and defuses spreadsheet formulas', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell(null), '');
  });
});

for (const kind of databaseKinds()) {
  describe(`systems CSV export (${kind})`, () => {
    const { t } = useTestMuster(kind);

    it('exports every system matching the filters, past one page, with a header line', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `export-${Date.now()}` })).json<{ id: string }>();
      const names: string[] = [];
      for (let i = 0; i < 503; i++) names.push(`node-${String(i).padStart(3, '0')}`);
      for (const name of names) await t.createSystem({ name, organization_id: organization.id, type: 'linux', labels: { rack: 'r1' } });
      const active = await t.createRegisteredSystem({ name: 'alive, "quoted"', organization_id: organization.id, type: 'ns8' });
      await t.heartbeat(active.basic);

      const response = await t.admin.get(`/api/v1/systems/export?organization_id=${organization.id}&sort=name`);
      assert.equal(response.statusCode, 200, response.body.slice(0, 200));
      assert.match(String(response.headers['content-type']), /^text\/csv/);
      assert.match(String(response.headers['content-disposition']), /attachment; filename="systems.csv"/);
      const lines = response.body.trimEnd().split('\r\n');
      assert.equal(lines[0]?.split(',').slice(0, 4).join(','), 'id,name,type,status');
      assert.equal(lines.length, 1 + 504);
      assert.match(lines[1]!, /^[0-9a-f-]{36},"alive, ""quoted""",ns8,active,/);
      assert.match(lines[2]!, /,node-000,linux,unknown,.*,rack=r1$/);
      assert.match(lines.at(-1)!, /,node-502,linux,/);

      const filtered = await t.admin.get(`/api/v1/systems/export?organization_id=${organization.id}&status=active`);
      assert.equal(filtered.body.trimEnd().split('\r\n').length, 2);
      const bad = await t.admin.get('/api/v1/systems/export?status=sleeping');
      assert.equal(bad.statusCode, 400);
    });
  });
}
