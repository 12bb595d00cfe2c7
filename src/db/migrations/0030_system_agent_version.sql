-- The Muster agent's version (issue 18, part 6): each appliance request of the agent names it in its
-- User-Agent (`muster-agent/1.2.3 (linux; x64)`). Null: no Muster agent seen. Written only when it
-- differs from what the node serving the request knows (kept with the cached credentials), never
-- per request; agent_version_changed_at is when the current value was first recorded. The index
-- answers the systems list's filter by version (and `none`, IS NULL); heartbeats write
-- system_liveness, not systems, so it costs them nothing.
ALTER TABLE systems ADD COLUMN IF NOT EXISTS agent_version text;
ALTER TABLE systems ADD COLUMN IF NOT EXISTS agent_version_changed_at timestamptz;
CREATE INDEX IF NOT EXISTS systems_agent_version_idx ON systems (agent_version);
