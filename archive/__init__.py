"""Domain and storage for Crossings: SQLite through sqlite-utils, consent, audit, media."""
