-- Heartbeats of active systems change no indexed column of system_liveness, so PostgreSQL can
-- update the row in place on its page (a HOT update, no index writes) when the page has room.
-- Leave half of each page free for those new row versions.
ALTER TABLE system_liveness SET (fillfactor = 50);
