import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';

const PASSWORD = 'correct horse battery staple';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

for (const kind of databaseKinds()) {
  describe(`management API: users, members and invitations (${kind})`, () => {
    const logs = captureLogs('trace');
    const { database, t } = useTestMuster(kind, { env: { PASSWORD_MIN_LENGTH: '14', INVITATION_TTL_HOURS: '48' }, logger: logs.logger });
    // Every answer of the suite, searched at the end for any password sent.
    const answers: string[] = [];
    const passwordsSent = new Set<string>([PASSWORD]);

    const unique = () => Math.random().toString(36).slice(2, 10);

    async function request(method: 'get' | 'post' | 'patch' | 'put' | 'delete', url: string, payload?: object) {
      const response = await t.admin[method](url, payload);
      answers.push(response.body);
      return response;
    }

    async function newUser(extra: Record<string, unknown> = {}) {
      const response = await request('post', '/api/v1/users', { email: `user-${unique()}@example.com`, name: 'A User', password: PASSWORD, ...extra });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string; email: string; invitation: { token: string; expires_at: string } | null }>();
    }

    async function newOrganization() {
      const response = await request('post', '/api/v1/organizations', { name: `org-${unique()}` });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string }>().id;
    }

    async function storedHash(userId: string): Promise<string | null> {
      return (await database.db.query<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE id = $1', [userId])).rows[0]!.password_hash;
    }

    it('creates a user with a password: argon2id stored, neither password nor hash answered', async () => {
      const email = `Alice-${unique()}@Example.com`;
      const response = await request('post', '/api/v1/users', { email, name: ' Alice ', password: PASSWORD, global_admin: true });
      assert.equal(response.statusCode, 201, response.body);
      const user = response.json();
      assert.deepEqual(Object.keys(user).sort(), [
        'created_at',
        'disabled',
        'disabled_at',
        'email',
        'global_admin',
        'id',
        'invitation',
        'name',
        'password_set',
        'updated_at',
      ]);
      assert.equal(user.email, email);
      assert.equal(user.name, 'Alice');
      assert.equal(user.global_admin, true);
      assert.equal(user.password_set, true);
      assert.equal(user.disabled, false);
      assert.equal(user.invitation, null);
      assert.match((await storedHash(user.id))!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

      const fetched = await request('get', `/api/v1/users/${user.id}`);
      assert.equal(fetched.statusCode, 200);
      assert.equal(fetched.json().email, email);
      assert.equal('invitation' in fetched.json(), false);
    });

    it('keeps emails unique whatever their case, and validates them', async () => {
      const user = await newUser();
      const duplicate = await request('post', '/api/v1/users', { email: user.email.toUpperCase(), name: 'Other', password: PASSWORD });
      assert.equal(duplicate.statusCode, 409);
      assert.equal(duplicate.json().code, 409);

      const other = await newUser();
      const taken = await request('patch', `/api/v1/users/${other.id}`, { email: user.email.toUpperCase() });
      assert.equal(taken.statusCode, 409);
      // Changing one's own email's case is no conflict.
      const recased = await request('patch', `/api/v1/users/${user.id}`, { email: user.email.toUpperCase() });
      assert.equal(recased.statusCode, 200, recased.body);
      assert.equal(recased.json().email, user.email.toUpperCase());

      for (const [body, field] of [
        [{ email: 'not-an-email', name: 'x', password: PASSWORD }, 'email'],
        [{ email: `x-${unique()}@example.com`, name: '', password: PASSWORD }, 'name'],
        [{ email: `x-${unique()}@example.com`, name: 'x', password: PASSWORD, extra: 1 }, 'extra'],
        [{ name: 'x', password: PASSWORD }, 'email'],
      ] as const) {
        const response = await request('post', '/api/v1/users', body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.equal(response.json().data.errors[0].field, field, response.body);
      }
    });

    it('refuses passwords shorter than PASSWORD_MIN_LENGTH or longer than 1024 bytes, before hashing', async () => {
      for (const password of ['short', 'thirteen-char', 'é'.repeat(513), 'x'.repeat(1025)]) {
        passwordsSent.add(password);
        const response = await request('post', '/api/v1/users', { email: `p-${unique()}@example.com`, name: 'P', password });
        assert.equal(response.statusCode, 400, `${password.length}: ${response.body}`);
        assert.equal(response.json().data.errors[0].field, 'password');
      }
      // 1024 bytes exactly is accepted.
      const longest = 'é'.repeat(512);
      passwordsSent.add(longest);
      const user = await newUser({ password: longest });
      assert.match((await storedHash(user.id))!, /^\$argon2id\$/);
      const user2 = await newUser();
      const tooLong = await request('patch', `/api/v1/users/${user2.id}`, { password: 'x'.repeat(2000) });
      assert.equal(tooLong.statusCode, 400);
    });

    it('lists users with paging, search on email and name, and sorting', async () => {
      const tag = unique();
      for (const name of ['Charlie', 'alpha', 'Bravo']) await newUser({ email: `${name.toLowerCase()}-${tag}@example.com`, name: `${name} ${tag}` });
      const byName = await request('get', `/api/v1/users?search=${tag}&sort=name&page_size=2`);
      assert.equal(byName.statusCode, 200);
      const page = byName.json();
      assert.equal(page.total, 3);
      assert.equal(page.page_size, 2);
      assert.deepEqual(
        page.items.map((user: { name: string }) => user.name),
        [`alpha ${tag}`, `Bravo ${tag}`],
      );
      const second = (await request('get', `/api/v1/users?search=${tag}&sort=name&page=2&page_size=2`)).json();
      assert.deepEqual(
        second.items.map((user: { name: string }) => user.name),
        [`Charlie ${tag}`],
      );
      const desc = (await request('get', `/api/v1/users?search=${tag.toUpperCase()}&sort=email&order=desc`)).json();
      assert.deepEqual(
        desc.items.map((user: { email: string }) => user.email.split('-')[0]),
        ['charlie', 'bravo', 'alpha'],
      );
      const byEmail = (await request('get', `/api/v1/users?search=bravo-${tag}`)).json();
      assert.equal(byEmail.total, 1);
      assert.equal((await request('get', '/api/v1/users?sort=password_hash')).statusCode, 400);
    });

    it('updates, disables, re-enables and deletes a user', async () => {
      const user = await newUser();
      const renamed = await request('patch', `/api/v1/users/${user.id}`, { name: 'Renamed', global_admin: true });
      assert.equal(renamed.statusCode, 200);
      assert.equal(renamed.json().name, 'Renamed');
      assert.equal(renamed.json().global_admin, true);

      t.clock.advanceMinutes(1);
      const disabled = await request('patch', `/api/v1/users/${user.id}`, { disabled: true });
      assert.equal(disabled.json().disabled, true);
      const disabledAt = disabled.json().disabled_at;
      assert.equal(disabledAt, t.clock.now().toISOString());
      t.clock.advanceMinutes(1);
      assert.equal((await request('patch', `/api/v1/users/${user.id}`, { disabled: true })).json().disabled_at, disabledAt);
      const enabled = await request('patch', `/api/v1/users/${user.id}`, { disabled: false });
      assert.equal(enabled.json().disabled, false);
      assert.equal(enabled.json().disabled_at, null);

      const before = await storedHash(user.id);
      const newPassword = 'another long passphrase';
      passwordsSent.add(newPassword);
      assert.equal((await request('patch', `/api/v1/users/${user.id}`, { password: newPassword })).statusCode, 200);
      const after = await storedHash(user.id);
      assert.notEqual(after, before);
      assert.match(after!, /^\$argon2id\$/);

      assert.equal((await request('patch', `/api/v1/users/${user.id}`, {})).statusCode, 400);
      assert.equal((await request('delete', `/api/v1/users/${user.id}`)).statusCode, 204);
      assert.equal((await request('get', `/api/v1/users/${user.id}`)).statusCode, 404);
      assert.equal((await request('delete', `/api/v1/users/${user.id}`)).statusCode, 404);
      assert.equal((await request('patch', `/api/v1/users/${UNKNOWN_ID}`, { name: 'x' })).statusCode, 404);
      assert.equal((await request('get', '/api/v1/users/not-a-uuid')).statusCode, 400);
    });

    it('manages members: create, change, list, remove; unknown organizations and users are 404', async () => {
      const organization = await newOrganization();
      const owner = await newUser({ name: 'Owner' });
      const viewer = await newUser({ name: 'Viewer' });
      const created = await request('put', `/api/v1/organizations/${organization}/members/${owner.id}`, { role: 'owner' });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().role, 'owner');
      assert.equal(created.json().email, owner.email);
      assert.equal((await request('put', `/api/v1/organizations/${organization}/members/${viewer.id}`, { role: 'operator' })).statusCode, 201);
      const changed = await request('put', `/api/v1/organizations/${organization}/members/${viewer.id}`, { role: 'viewer' });
      assert.equal(changed.statusCode, 200);
      assert.equal(changed.json().role, 'viewer');

      const list = await request('get', `/api/v1/organizations/${organization}/members?sort=role`);
      assert.equal(list.statusCode, 200);
      assert.equal(list.json().total, 2);
      assert.deepEqual(
        list.json().items.map((member: { user_id: string; role: string }) => [member.user_id, member.role]),
        [
          [owner.id, 'owner'],
          [viewer.id, 'viewer'],
        ],
      );

      assert.equal((await request('put', `/api/v1/organizations/${organization}/members/${viewer.id}`, { role: 'root' })).statusCode, 400);
      assert.equal((await request('put', `/api/v1/organizations/${UNKNOWN_ID}/members/${viewer.id}`, { role: 'viewer' })).statusCode, 404);
      assert.equal((await request('put', `/api/v1/organizations/${organization}/members/${UNKNOWN_ID}`, { role: 'viewer' })).statusCode, 404);
      assert.equal((await request('get', `/api/v1/organizations/${UNKNOWN_ID}/members`)).statusCode, 404);
      assert.equal((await request('delete', `/api/v1/organizations/${UNKNOWN_ID}/members/${viewer.id}`)).statusCode, 404);

      assert.equal((await request('delete', `/api/v1/organizations/${organization}/members/${viewer.id}`)).statusCode, 204);
      assert.equal((await request('delete', `/api/v1/organizations/${organization}/members/${viewer.id}`)).statusCode, 404);
      assert.equal((await request('get', `/api/v1/organizations/${organization}/members`)).json().total, 1);

      // Deleting a user ends their memberships.
      await request('put', `/api/v1/organizations/${organization}/members/${viewer.id}`, { role: 'admin' });
      assert.equal((await request('delete', `/api/v1/users/${viewer.id}`)).statusCode, 204);
      assert.equal((await request('get', `/api/v1/organizations/${organization}/members`)).json().total, 1);
    });

    it("keeps an organization's last owner from being demoted, removed or deleted", async () => {
      const organization = await newOrganization();
      const first = await newUser();
      const second = await newUser();
      await request('put', `/api/v1/organizations/${organization}/members/${first.id}`, { role: 'owner' });

      const demoted = await request('put', `/api/v1/organizations/${organization}/members/${first.id}`, { role: 'admin' });
      assert.equal(demoted.statusCode, 409);
      assert.match(demoted.json().message, /last owner/);
      assert.equal((await request('delete', `/api/v1/organizations/${organization}/members/${first.id}`)).statusCode, 409);
      assert.equal((await request('delete', `/api/v1/users/${first.id}`)).statusCode, 409);
      // Owner again is no demotion.
      assert.equal((await request('put', `/api/v1/organizations/${organization}/members/${first.id}`, { role: 'owner' })).statusCode, 200);

      // With a second owner, the first may go.
      await request('put', `/api/v1/organizations/${organization}/members/${second.id}`, { role: 'owner' });
      assert.equal((await request('put', `/api/v1/organizations/${organization}/members/${first.id}`, { role: 'viewer' })).statusCode, 200);
      assert.equal((await request('delete', `/api/v1/organizations/${organization}/members/${second.id}`)).statusCode, 409);
      assert.equal((await request('delete', `/api/v1/organizations/${organization}/members/${first.id}`)).statusCode, 204);
      const owners = (await request('get', `/api/v1/organizations/${organization}/members`)).json().items;
      assert.deepEqual(
        owners.map((member: { user_id: string; role: string }) => [member.user_id, member.role]),
        [[second.id, 'owner']],
      );
    });

    it('of two owners demoted or removed at once, one stays', async () => {
      for (let round = 0; round < 5; round++) {
        const organization = await newOrganization();
        const [first, second] = [await newUser(), await newUser()];
        for (const user of [first, second]) await request('put', `/api/v1/organizations/${organization}/members/${user.id}`, { role: 'owner' });
        const answers = await Promise.all([
          request('put', `/api/v1/organizations/${organization}/members/${first.id}`, { role: 'viewer' }),
          round % 2 ? request('delete', `/api/v1/users/${second.id}`) : request('delete', `/api/v1/organizations/${organization}/members/${second.id}`),
        ]);
        const statuses = answers.map((answer) => answer.statusCode);
        assert.equal(statuses.filter((status) => status === 200 || status === 204).length, 1, String(statuses));
        assert.equal(statuses.filter((status) => status === 409).length, 1, String(statuses));
        const members = (await request('get', `/api/v1/organizations/${organization}/members`)).json().items;
        assert.equal(members.filter((member: { role: string }) => member.role === 'owner').length, 1);
      }
    });

    it('invites a user without a password: the token sets it once, then is refused like an unknown one', async () => {
      const user = await newUser({ password: undefined });
      assert.ok(user.invitation);
      assert.match(user.invitation.token, /^mui_[A-Za-z0-9_-]{43}$/);
      assert.equal(user.invitation.expires_at, new Date(t.clock.now().getTime() + 48 * 3_600_000).toISOString());
      assert.equal(await storedHash(user.id), null);
      assert.equal((await request('get', `/api/v1/users/${user.id}`)).json().password_set, false);

      const stored = await database.db.query<{ token_hash: string }>('SELECT token_hash FROM user_invitations WHERE user_id = $1', [user.id]);
      assert.equal(stored.rows[0]!.token_hash.length, 64);
      assert.notEqual(stored.rows[0]!.token_hash, user.invitation.token);

      const short = await request('post', '/api/v1/invitations/accept', { token: user.invitation.token, password: 'short' });
      assert.equal(short.statusCode, 400);
      const accepted = await request('post', '/api/v1/invitations/accept', { token: user.invitation.token, password: PASSWORD });
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.equal(accepted.json().id, user.id);
      assert.equal(accepted.json().password_set, true);
      assert.match((await storedHash(user.id))!, /^\$argon2id\$/);

      const reused = await request('post', '/api/v1/invitations/accept', { token: user.invitation.token, password: 'a different passphrase' });
      const unknown = await request('post', '/api/v1/invitations/accept', { token: `mui_${'A'.repeat(43)}`, password: 'a different passphrase' });
      assert.equal(reused.statusCode, 410);
      assert.deepEqual(reused.json(), unknown.json());
      assert.equal((await request('post', '/api/v1/invitations/accept', { token: user.invitation.token })).statusCode, 400);
    });

    it('refuses an expired invitation, and one closed by a password set by an administrator', async () => {
      const user = await newUser({ password: undefined });
      t.clock.advance(48 * 3_600_000);
      const expired = await request('post', '/api/v1/invitations/accept', { token: user.invitation!.token, password: PASSWORD });
      assert.equal(expired.statusCode, 410);
      assert.match(expired.json().message, /expired/);
      assert.equal(await storedHash(user.id), null);

      const other = await newUser({ password: undefined });
      assert.equal((await request('patch', `/api/v1/users/${other.id}`, { password: PASSWORD })).statusCode, 200);
      const closed = await request('post', '/api/v1/invitations/accept', { token: other.invitation!.token, password: 'a different passphrase' });
      assert.equal(closed.statusCode, 410);
      assert.doesNotMatch(closed.json().message, /expired/);
    });

    it('invites by email into an organization: a new user with an invitation, an existing one added, a lapsed invitation replaced', async () => {
      const organizationId = await newOrganization();
      const email = `Invited-${unique()}@Example.com`;
      const invited = await request('post', `/api/v1/organizations/${organizationId}/invitations`, { email, role: 'operator' });
      assert.equal(invited.statusCode, 201, invited.body);
      const first = invited.json<{ user_id: string; email: string; name: string; role: string; invitation: { token: string; expires_at: string } }>();
      assert.equal(first.role, 'operator');
      assert.equal(first.name, email.split('@')[0]);
      assert.match(first.invitation.token, /^mui_/);
      const members = (await request('get', `/api/v1/organizations/${organizationId}/members`)).json<{ items: { user_id: string; role: string }[] }>();
      assert.deepEqual(members.items, [{ ...members.items[0], user_id: first.user_id, role: 'operator' }]);

      // Invited again, in another case, after the invitation lapsed: the same user, a fresh invitation that works.
      t.clock.advance(49 * 3_600_000);
      const again = await request('post', `/api/v1/organizations/${organizationId}/invitations`, { email: email.toLowerCase(), role: 'viewer' });
      assert.equal(again.statusCode, 201, again.body);
      const second = again.json<typeof first>();
      assert.equal(second.user_id, first.user_id);
      assert.equal(second.role, 'viewer');
      assert.notEqual(second.invitation.token, first.invitation.token);
      assert.equal((await request('post', '/api/v1/invitations/accept', { token: first.invitation.token, password: PASSWORD })).statusCode, 410);
      assert.equal((await request('post', '/api/v1/invitations/accept', { token: second.invitation.token, password: PASSWORD })).statusCode, 200);

      // A user who can sign in is added, with no invitation.
      const existing = await newUser();
      const added = await request('post', `/api/v1/organizations/${organizationId}/invitations`, { email: existing.email, role: 'admin' });
      assert.equal(added.statusCode, 201);
      assert.equal(added.json().invitation, null);
      assert.equal(added.json().user_id, existing.id);

      // Never the last owner demoted by an invitation; an unknown organization is 404 and changes nothing.
      const owner = await newUser();
      assert.equal((await request('put', `/api/v1/organizations/${organizationId}/members/${owner.id}`, { role: 'owner' })).statusCode, 201);
      assert.equal((await request('post', `/api/v1/organizations/${organizationId}/invitations`, { email: owner.email, role: 'viewer' })).statusCode, 409);
      const nowhere = await request('post', `/api/v1/organizations/${UNKNOWN_ID}/invitations`, { email: `nobody-${unique()}@example.com`, role: 'viewer' });
      assert.equal(nowhere.statusCode, 404);
      assert.equal((await request('get', `/api/v1/users?search=nobody`)).json().total, 0);
    });

    it('never answers, logs or stores a password or invitation token in clear', async () => {
      assert.ok(logs.lines.length > 0);
      for (const line of logs.lines) {
        for (const password of passwordsSent) assert.equal(line.includes(password), false, `a password in the log: ${line.slice(0, 200)}`);
        assert.doesNotMatch(line, /mui_|\$argon2/);
      }
      for (const answer of answers) {
        for (const password of passwordsSent) assert.equal(answer.includes(password), false, `a password in ${answer.slice(0, 200)}`);
        assert.doesNotMatch(answer, /\$argon2/);
      }
      const tables = ['users', 'organization_members', 'user_invitations'];
      for (const table of tables) {
        const { rows } = await database.db.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
        assert.ok(rows.length > 0, table);
        for (const { row } of rows) {
          for (const password of passwordsSent) assert.equal(row.includes(password), false, `${table}: ${row}`);
          assert.doesNotMatch(row, /mui_/, table);
        }
      }
    });
  });
}
