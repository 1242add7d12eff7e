"""The daemon's SQLite schema as numbered migrations: append new ones, never edit old ones."""

from __future__ import annotations

from plutarc.storage.sqlite import Migration

# 1: bots, templates, the order intent journal, fills, events and the append-only audit log.
_V1 = """
CREATE TABLE bots (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    template TEXT NOT NULL,
    venue TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL CHECK (mode IN ('live', 'testnet', 'paper')),
    symbols TEXT NOT NULL,
    risk TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL DEFAULT '',
    plutarc_version TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    deleted_ms INTEGER
);
CREATE UNIQUE INDEX bots_live_name ON bots (name) WHERE deleted_ms IS NULL;

CREATE TABLE templates (
    name TEXT PRIMARY KEY,
    toml TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE orders (
    client_id TEXT PRIMARY KEY,
    bot_id TEXT NOT NULL REFERENCES bots (id),
    symbol TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    type TEXT NOT NULL,
    qty TEXT NOT NULL,
    price TEXT,
    stop_price TEXT,
    trail_offset TEXT,
    reduce_only INTEGER NOT NULL DEFAULT 0,
    post_only INTEGER NOT NULL DEFAULT 0,
    time_in_force TEXT NOT NULL DEFAULT 'gtc',
    status TEXT NOT NULL,
    venue_id TEXT,
    filled_qty TEXT NOT NULL DEFAULT '0',
    avg_price TEXT,
    journaled_ms INTEGER NOT NULL,
    sent_ms INTEGER,
    acked_ms INTEGER,
    updated_ms INTEGER NOT NULL,
    tag TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX orders_bot_time ON orders (bot_id, journaled_ms);
CREATE INDEX orders_open ON orders (status) WHERE status IN ('pending', 'new', 'partially_filled');

CREATE TABLE fills (
    fill_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES orders (client_id),
    bot_id TEXT NOT NULL REFERENCES bots (id),
    venue_order_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty TEXT NOT NULL,
    price TEXT NOT NULL,
    fee TEXT NOT NULL,
    fee_currency TEXT NOT NULL,
    liquidity TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    tag TEXT NOT NULL DEFAULT ''
);
CREATE INDEX fills_bot_time ON fills (bot_id, ts_ms);
CREATE INDEX fills_order ON fills (client_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    bot_id TEXT REFERENCES bots (id),
    message TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_time ON events (ts_ms);
CREATE INDEX events_bot ON events (bot_id, id);
CREATE INDEX events_kind ON events (kind, id);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    before TEXT,
    after TEXT
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted');
END;
"""

# 2: the ledger (trades, latest positions, equity), decisions, heartbeats and config versions.
_V2 = """
ALTER TABLE bots ADD COLUMN last_heartbeat_ms INTEGER;
ALTER TABLE bots ADD COLUMN config_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE trades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL REFERENCES bots (id),
    symbol TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('long', 'short')),
    qty TEXT NOT NULL,
    entry_ts_ms INTEGER NOT NULL,
    entry_price TEXT NOT NULL,
    exit_ts_ms INTEGER NOT NULL,
    exit_price TEXT NOT NULL,
    gross_pnl TEXT NOT NULL,
    fees TEXT NOT NULL,
    funding TEXT NOT NULL,
    net_pnl TEXT NOT NULL,
    exit_reason TEXT NOT NULL,
    mfe REAL NOT NULL DEFAULT 0,
    mae REAL NOT NULL DEFAULT 0,
    entry_snapshot TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX trades_bot_time ON trades (bot_id, exit_ts_ms);

CREATE TABLE positions (
    bot_id TEXT NOT NULL REFERENCES bots (id),
    symbol TEXT NOT NULL,
    qty TEXT NOT NULL,
    entry_price TEXT,
    leverage TEXT NOT NULL,
    liquidation_price TEXT,
    realised_pnl TEXT NOT NULL,
    unrealised_pnl TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    PRIMARY KEY (bot_id, symbol)
) WITHOUT ROWID;

CREATE TABLE equity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL REFERENCES bots (id),
    ts_ms INTEGER NOT NULL,
    currency TEXT NOT NULL,
    equity TEXT NOT NULL,
    balance TEXT NOT NULL,
    unrealised_pnl TEXT NOT NULL
);
CREATE INDEX equity_bot_time ON equity (bot_id, ts_ms);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL REFERENCES bots (id),
    symbol TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    action TEXT NOT NULL,
    score REAL,
    components TEXT NOT NULL DEFAULT '{}',
    skip_reasons TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX decisions_bot_time ON decisions (bot_id, ts_ms);
"""

# 3: access tokens (only their sha256 is kept) and venue API key metadata (never a secret).
_V3 = """
CREATE TABLE access_tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'trader', 'risk', 'admin')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    last_used_ms INTEGER
);

CREATE TABLE api_keys (
    label TEXT PRIMARY KEY,
    venue TEXT NOT NULL,
    testnet INTEGER NOT NULL CHECK (testnet IN (0, 1)),
    key_hint TEXT NOT NULL,
    has_passphrase INTEGER NOT NULL CHECK (has_passphrase IN (0, 1)),
    backend TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    last_used_ms INTEGER
);
"""

# 4: risk. A bot a final error paused waits for an operator (needs_operator says why, NULL
# when it does not); account-level risk limits and their state, per venue account.
_V4 = """
ALTER TABLE bots ADD COLUMN needs_operator TEXT;

CREATE TABLE account_risk (
    venue TEXT NOT NULL,
    account TEXT NOT NULL,
    limits TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '{}',
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (venue, account)
) WITHOUT ROWID;
"""

# 5: the latest N rows of one bot (bot detail: trades, equity, last decision) walk an index
# backwards from the bot's newest id and stop after N; the (bot_id, time) indexes made SQLite
# read and sort every row of the bot first (~6 ms for 20 of 2,000 trades, growing with it).
_V5 = """
CREATE INDEX trades_bot_id ON trades (bot_id, id);
CREATE INDEX equity_bot_id ON equity (bot_id, id);
CREATE INDEX decisions_bot_id ON decisions (bot_id, id);
"""

# 6: a token may expire (NULL: never); an expired token authenticates nobody.
_V6 = """
ALTER TABLE access_tokens ADD COLUMN expires_ms INTEGER;
"""

# 7: notifications (plutarc/notify): channels by name and redacted address (the URL itself is
# a secret, kept in the key store), the routing matrix's overrides, settings, and the outbox
# of messages not delivered yet (they survive a restart).
_V7 = """
CREATE TABLE notify_channels (
    name TEXT PRIMARY KEY,
    redacted TEXT NOT NULL,
    backend TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE notify_routes (
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    PRIMARY KEY (channel, kind)
) WITHOUT ROWID;

CREATE TABLE notify_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL
);

CREATE TABLE notify_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_ms INTEGER NOT NULL
);
CREATE INDEX notify_outbox_channel ON notify_outbox (channel, id);
"""

# 8: template updates are opt-in per bot (issue 24): every saved version of a template is
# kept, and a bot pins the version it runs (NULL: a row from before, runs the latest).
_V8 = """
CREATE TABLE template_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    toml TEXT NOT NULL,
    saved_ms INTEGER NOT NULL,
    PRIMARY KEY (name, version)
) WITHOUT ROWID;
INSERT INTO template_versions (name, version, toml, saved_ms)
    SELECT name, version, toml, updated_ms FROM templates;
ALTER TABLE bots ADD COLUMN template_version INTEGER;
UPDATE bots SET template_version = (SELECT version FROM templates WHERE name = bots.template);
"""

# 9: margin mode per bot (issue 24): cross or isolated, set at the venue at start and changed
# only while flat; NULL keeps the venue's own setting (every bot from before).
_V9 = """
ALTER TABLE bots ADD COLUMN margin_mode TEXT CHECK (margin_mode IN ('cross', 'isolated'));
"""

# 10: a sim paper bot's replay settings are a field of their own (JSON), no longer the account
# label that capped a file path at its length; older rows keep their label text here, read as
# the label form (plutarc.daemon.replay_spec).
_V10 = """
ALTER TABLE bots ADD COLUMN replay TEXT;
UPDATE bots SET replay = account, account = ''
    WHERE account LIKE 'speed=%' OR account LIKE 'file=%' OR account LIKE 'bars=%'
       OR account LIKE 'funding=%' OR account LIKE 'oi=%';
"""

# 11: the promotion gate (issue 20): a template version is validated by a walk-forward run of
# that very version whose out-of-sample figures passed the thresholds; who, when, the run,
# the figures and the thresholds are kept (a later validation adds a row, none is changed).
_V11 = """
CREATE TABLE template_validations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    walkforward_id INTEGER NOT NULL,
    template_hash TEXT NOT NULL,
    who TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    figures TEXT NOT NULL,
    thresholds TEXT NOT NULL
);
CREATE INDEX template_validations_version ON template_validations (name, version, id);
"""

# 12: funding a paper-on-venue bot's sim charged (issue 18), one row per bot, symbol and
# funding time: booked into the rebuilt sim and its open trade after a restart, never twice.
_V12 = """
CREATE TABLE paper_funding (
    bot_id TEXT NOT NULL REFERENCES bots (id),
    symbol TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    rate REAL NOT NULL,
    qty TEXT NOT NULL,
    price TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (bot_id, symbol, ts_ms)
);
"""

MIGRATIONS: tuple[Migration, ...] = ((1, _V1), (2, _V2), (3, _V3), (4, _V4), (5, _V5),
                                     (6, _V6), (7, _V7), (8, _V8), (9, _V9), (10, _V10),
                                     (11, _V11), (12, _V12))
