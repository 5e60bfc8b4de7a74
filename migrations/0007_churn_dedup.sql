-- The churn rollup is filled through a materialized view, whose inserts are deduplicated by the
-- target table's own window: without one, a batch replayed after a crash counted its changes twice.
ALTER TABLE prefix_churn_1m {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 1000;
