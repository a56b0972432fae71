-- When a rollout's canary must have reported (null: no deadline pending; cleared when the canary is released to the
-- whole scope and whenever the assignment stops being active). The rollout grain keeps a timer for it while
-- it is active; after a silo restart CanaryDeadlineWatch finds deadlines that passed here and wakes those grains.
ALTER TABLE model_assignments ADD COLUMN IF NOT EXISTS canary_deadline_utc timestamptz NULL;
CREATE INDEX IF NOT EXISTS model_assignments_canary_deadline_idx ON model_assignments (canary_deadline_utc)
    WHERE canary_deadline_utc IS NOT NULL;
