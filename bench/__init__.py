"""The search benchmark (`make bench`): a synthetic archive, Whoosh through the app, FTS5 as a yardstick."""
