-- 001: the whole schema the design needs.
-- Applied by `langflix migrate` inside a transaction and recorded in
-- schema_migrations; never edit an applied migration, add a new one.

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    password_hash   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Session and CSRF tokens are stored as SHA-256 hex; the cookie holds the secret.
CREATE TABLE sessions (
    id_hash         text PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed logins, counted per user name and per address for throttling.
CREATE TABLE login_failures (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL,
    remote_addr     text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_name_idx ON login_failures (name, at);
CREATE INDEX login_failures_addr_idx ON login_failures (remote_addr, at);

CREATE TABLE videos (
    id                      bigserial PRIMARY KEY,
    path                    text NOT NULL UNIQUE,      -- relative to media_root
    size_bytes              bigint NOT NULL,
    mtime                   bigint NOT NULL,
    duration_ms             bigint,
    width                   integer,
    height                  integer,
    fps                     double precision,
    video_codec             text,
    container               text,
    probe_error             text,
    expression              text,
    expression_translation  text,
    title                   text,
    title_translation       text,
    keywords                text[] NOT NULL DEFAULT '{}',
    language                text,
    learn_language          text,
    show_name               text,
    episode                 text,
    generated_at            text,
    ready                   boolean NOT NULL DEFAULT false,
    not_ready_reason        text,
    missing                 boolean NOT NULL DEFAULT false,
    imported_at             timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX videos_ready_idx ON videos (ready) WHERE NOT missing;

CREATE TABLE tiktok_accounts (
    id                      bigserial PRIMARY KEY,
    user_id                 bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    open_id                 text NOT NULL,
    display_name            text,
    username                text,
    avatar_url              text,
    scopes                  text NOT NULL DEFAULT '',
    access_token_sealed     text,
    refresh_token_sealed    text,
    access_expires_at       timestamptz,
    refresh_expires_at      timestamptz,
    status                  text NOT NULL DEFAULT 'connected'
                            CHECK (status IN ('connected', 'needs_reconnect', 'disconnected')),
    status_reason           text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, open_id)
);

CREATE TABLE oauth_states (
    state_hash      text PRIMARY KEY,
    session_hash    text NOT NULL,
    user_id         bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    video_id        bigint REFERENCES videos(id) ON DELETE SET NULL,
    code_verifier   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);

-- The queue. A worker claims with FOR UPDATE SKIP LOCKED on
-- (state in runnable states, run_at <= now(), lease expired or absent).
CREATE TABLE upload_jobs (
    id                  bigserial PRIMARY KEY,
    submission_id       text NOT NULL UNIQUE,
    user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    video_id            bigint NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    account_id          bigint REFERENCES tiktok_accounts(id) ON DELETE SET NULL,
    mode                text NOT NULL DEFAULT 'direct' CHECK (mode IN ('direct', 'inbox')),
    state               text NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'uploading', 'processing', 'published',
                                         'inboxed', 'failed', 'cancelled')),
    title               text NOT NULL DEFAULT '',
    privacy_level       text,
    disable_comment     boolean NOT NULL DEFAULT true,
    disable_duet        boolean NOT NULL DEFAULT true,
    disable_stitch      boolean NOT NULL DEFAULT true,
    brand_organic       boolean NOT NULL DEFAULT false,
    brand_content       boolean NOT NULL DEFAULT false,
    is_aigc             boolean NOT NULL DEFAULT false,
    cover_timestamp_ms  integer,
    run_at              timestamptz NOT NULL DEFAULT now(),
    locked_by           text,
    locked_until        timestamptz,
    attempts            integer NOT NULL DEFAULT 0,
    max_attempts        integer NOT NULL DEFAULT 8,
    publish_id          text,
    upload_url          text,
    chunk_size          bigint,
    chunk_count         integer,
    bytes_sent          bigint NOT NULL DEFAULT 0,
    bytes_total         bigint NOT NULL DEFAULT 0,
    tiktok_status       text,
    fail_reason         text,
    post_id             text,
    post_url            text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz
);
-- The claim query's index: only runnable jobs, ordered by when they are due.
CREATE INDEX upload_jobs_claim_idx ON upload_jobs (run_at, id)
    WHERE state IN ('queued', 'uploading', 'processing');
CREATE INDEX upload_jobs_video_idx ON upload_jobs (video_id, created_at DESC);
CREATE INDEX upload_jobs_publish_idx ON upload_jobs (publish_id) WHERE publish_id IS NOT NULL;
CREATE INDEX upload_jobs_account_idx ON upload_jobs (account_id, state);

CREATE TABLE job_events (
    id          bigserial PRIMARY KEY,
    job_id      bigint NOT NULL REFERENCES upload_jobs(id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL,
    message     text NOT NULL DEFAULT '',
    data        jsonb
);
CREATE INDEX job_events_job_idx ON job_events (job_id, id);

CREATE TABLE webhook_events (
    id              bigserial PRIMARY KEY,
    body_sha256     text NOT NULL UNIQUE,      -- deduplication of at-least-once delivery
    event           text NOT NULL,
    user_openid     text,
    publish_id      text,
    create_time     bigint,
    body            jsonb NOT NULL,
    result          text NOT NULL DEFAULT 'stored',
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_publish_idx ON webhook_events (publish_id);

-- Per-token call counts (rate limits) and per-creator daily posts, so any
-- number of workers stay inside TikTok's limits together.
CREATE TABLE tiktok_calls (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES tiktok_accounts(id) ON DELETE CASCADE,
    endpoint    text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiktok_calls_idx ON tiktok_calls (account_id, endpoint, at);
