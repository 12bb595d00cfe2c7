import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type CreatedWebhook, type Webhook, type WebhookTestResult } from '../api.ts';
import { SettingsNav } from '../components/settings-nav.tsx';
import { NoOrganization, ShownOnce } from '../components/shown-once.tsx';
import { Empty, ErrorBox, Loading, Time } from '../components/ui.tsx';
import { explainError, fieldErrors } from '../explain-error.ts';
import { useOrganization } from '../organization.tsx';
import { useAccess } from '../session.tsx';
import { usePageTitle } from '../page-title.ts';

/** The organization's webhooks: each alert POSTed to them, signed with the webhook's own secret; a test delivery on demand. */
export function WebhooksPage() {
  usePageTitle('Webhooks');
  const { selected } = useOrganization();
  const access = useAccess();
  const queryClient = useQueryClient();
  const organizationId = selected?.id ?? '';
  const allowed = selected !== null && access.can('webhooks:manage', organizationId);
  const webhooks = useQuery({
    queryKey: ['webhooks', organizationId],
    enabled: allowed,
    queryFn: () => api.get('organizations/{id}/webhooks', { path: { id: organizationId } }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks', organizationId] });
  const remove = useMutation({
    mutationFn: (webhook: Webhook) => api.delete('organizations/{id}/webhooks/{webhookId}', { path: { id: organizationId, webhookId: webhook.id } }),
    onSuccess: refresh,
  });

  if (!selected) return <NoOrganization />;
  return (
    <div className="page">
      <h1>Webhooks of {selected.name}</h1>
      <SettingsNav organizationId={organizationId} />
      {allowed ? (
        <>
          <p className="muted">
            Each alert is POSTed as JSON with <code>X-Muster-Signature: sha256=…</code>, the HMAC-SHA256 of the body with the webhook&apos;s secret.
          </p>
          <CreateWebhookForm organizationId={organizationId} onCreated={refresh} />
          <section className="card" aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">Webhooks in use</h2>
            <ErrorBox error={webhooks.error ?? remove.error} />
            {webhooks.isPending ? <Loading /> : null}
            {webhooks.data?.items.length === 0 ? <Empty title="No webhooks">Add one above to have alerts sent to it.</Empty> : null}
            {webhooks.data && webhooks.data.items.length > 0 ? (
              <ul className="item-list" aria-label="Webhooks">
                {webhooks.data.items.map((webhook) => (
                  <WebhookItem
                    key={webhook.id}
                    organizationId={organizationId}
                    webhook={webhook}
                    onDelete={() => {
                      if (window.confirm(`Delete the webhook to ${webhook.url}? Alerts are no longer sent there.`)) remove.mutate(webhook);
                    }}
                  />
                ))}
              </ul>
            ) : null}
          </section>
        </>
      ) : (
        <p className="muted">Webhooks are managed by the organization&apos;s admins and owners.</p>
      )}
    </div>
  );
}

function WebhookItem({ organizationId, webhook, onDelete }: { organizationId: string; webhook: Webhook; onDelete: () => void }) {
  const [result, setResult] = useState<WebhookTestResult | null>(null);
  const test = useMutation({
    mutationFn: () => api.post('organizations/{id}/webhooks/{webhookId}/test', { path: { id: organizationId, webhookId: webhook.id } }),
    onMutate: () => setResult(null),
    onSuccess: setResult,
  });
  const name = webhook.description ?? webhook.url;
  return (
    <li className="item" aria-label={name}>
      <div className="item-head">
        <code className="item-title">{webhook.url}</code>
        {webhook.description ? <span>{webhook.description}</span> : null}
        <span className="muted">
          added <Time iso={webhook.created_at} />
        </span>
      </div>
      <div className="actions">
        <button type="button" className="button small" disabled={test.isPending} onClick={() => test.mutate()} aria-label={`Send test delivery to ${name}`}>
          {test.isPending ? 'Sending…' : 'Send test delivery'}
        </button>
        <button type="button" className="button small danger" onClick={onDelete} aria-label={`Delete webhook ${name}`}>
          Delete
        </button>
      </div>
      {test.error ? (
        <p className="error-text" role="alert">
          The test could not be sent: {explainError(test.error)}
        </p>
      ) : null}
      {result ? (
        <p className={result.delivered ? undefined : 'error-text'} role="status" data-testid="webhook-test-result">
          {result.delivered
            ? `Delivered: the receiver answered HTTP ${result.status ?? '?'}.`
            : `Not delivered: ${[result.status === null ? null : `the receiver answered HTTP ${result.status}`, result.error].filter(Boolean).join('; ')}.`}
        </p>
      ) : null}
    </li>
  );
}

function CreateWebhookForm({ organizationId, onCreated }: { organizationId: string; onCreated: () => unknown }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api.post('organizations/{id}/webhooks', {
        path: { id: organizationId },
        body: { url: url.trim(), ...(description.trim() ? { description: description.trim() } : {}) },
      }),
    onSuccess: (answer) => {
      setCreated(answer);
      setUrl('');
      setDescription('');
      void onCreated();
    },
  });
  const refused = fieldErrors(create.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <section className="card" aria-labelledby="add-webhook-title">
      <h2 id="add-webhook-title">Add a webhook</h2>
      <form className="form-row" onSubmit={submit} noValidate>
        <label className="grow">
          Delivery URL
          <input
            type="url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            placeholder="https://…"
            aria-invalid={refused.length > 0 || undefined}
          />
        </label>
        <label className="grow">
          Description (optional)
          <input value={description} maxLength={255} onChange={(event) => setDescription(event.target.value)} />
        </label>
        <button type="submit" className="button primary" disabled={create.isPending || url.trim() === ''}>
          Add webhook
        </button>
      </form>
      {refused.map((error) => (
        <p key={`${error.field} ${error.message}`} className="error-text">
          {error.field === 'url' ? 'Delivery URL' : error.field}: {error.message}
        </p>
      ))}
      <ErrorBox error={create.error} />
      {created ? (
        <ShownOnce
          title={`Signing secret of the webhook to ${created.url}`}
          value={created.secret}
          testId="webhook-secret"
          copyLabel="Copy secret"
          onDismiss={() => setCreated(null)}
        />
      ) : null}
    </section>
  );
}
