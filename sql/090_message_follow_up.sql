-- A message the resolver settled (its sender was cut short mid-call) has not
-- had its sender's follow-up yet: the on_settled hook that records it where
-- the sender keeps its own progress (a campaign member moving on, a listing
-- alert's matches marked sent, the shared link's timeline entry). The next
-- send of the same idempotency key runs that hook once and clears this
-- (sidecar/notify/messages.py), instead of finding the key settled and doing
-- nothing for ever. Rows settled before this column existed had theirs.
ALTER TABLE {prefix}senw_messages
  ADD COLUMN follow_up_pending TINYINT(1) NOT NULL DEFAULT 0;
