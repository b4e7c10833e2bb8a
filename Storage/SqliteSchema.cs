using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>
/// The database schema as numbered migrations. A migration is never edited once released;
/// a change is a new migration at the end of the list.
/// </summary>
/// <remarks>
/// Times are unix milliseconds (UTC) in INTEGER columns: sortable, compact and cheap to compare.
/// </remarks>
internal static class SqliteSchema
{
    internal sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "teams, request log, usage resets", """
            CREATE TABLE teams (
                id                INTEGER PRIMARY KEY,
                name              TEXT    NOT NULL,
                token_hash        TEXT    NOT NULL UNIQUE,
                token_prefix      TEXT    NOT NULL,
                quota             INTEGER NOT NULL,
                used              INTEGER NOT NULL DEFAULT 0,
                reset_epoch       INTEGER NOT NULL DEFAULT 0,
                period            TEXT    NOT NULL DEFAULT 'none'
                                  CHECK (period IN ('none', 'daily', 'weekly', 'monthly')),
                models            TEXT    NOT NULL DEFAULT '',
                rpm               INTEGER,
                tpm               INTEGER,
                expires_at        INTEGER,
                enabled           INTEGER NOT NULL DEFAULT 1,
                period_started_at INTEGER NOT NULL,
                last_request_at   INTEGER,
                created_at        INTEGER NOT NULL,
                updated_at        INTEGER NOT NULL,
                deleted_at        INTEGER
            );

            -- A deleted team keeps its row (its log rows point at it) but frees its name.
            CREATE UNIQUE INDEX teams_live_name ON teams (name COLLATE NOCASE) WHERE deleted_at IS NULL;

            CREATE TABLE request_log (
                request_id          TEXT    NOT NULL PRIMARY KEY,
                started_at          INTEGER NOT NULL,
                team_id             INTEGER NOT NULL REFERENCES teams (id),
                model               TEXT    NOT NULL,
                endpoint            TEXT    NOT NULL,
                stream              INTEGER NOT NULL,
                status              INTEGER NOT NULL,
                prompt_tokens       INTEGER NOT NULL,
                completion_tokens   INTEGER NOT NULL,
                total_tokens        INTEGER NOT NULL,
                cached_tokens       INTEGER NOT NULL,
                reasoning_tokens    INTEGER NOT NULL,
                estimated           INTEGER NOT NULL,
                duration_ms         INTEGER NOT NULL,
                upstream_request_id TEXT,
                error_type          TEXT,
                end_user            TEXT,
                reset_epoch         INTEGER NOT NULL
            );

            CREATE INDEX request_log_time ON request_log (started_at);
            CREATE INDEX request_log_team_time ON request_log (team_id, started_at);
            CREATE INDEX request_log_model_time ON request_log (model, started_at);

            CREATE TABLE usage_resets (
                id          INTEGER PRIMARY KEY,
                team_id     INTEGER NOT NULL REFERENCES teams (id),
                at          INTEGER NOT NULL,
                kind        TEXT    NOT NULL,
                by          TEXT    NOT NULL,
                used_before INTEGER NOT NULL
            );

            CREATE INDEX usage_resets_team_time ON usage_resets (team_id, at);

            -- What pruned log rows carried, so that used still equals the logged usage of the
            -- current epoch after retention has deleted old rows.
            CREATE TABLE pruned_usage (
                team_id      INTEGER NOT NULL REFERENCES teams (id),
                reset_epoch  INTEGER NOT NULL,
                requests     INTEGER NOT NULL,
                total_tokens INTEGER NOT NULL,
                PRIMARY KEY (team_id, reset_epoch)
            ) WITHOUT ROWID;
            """),
        new(2, "quota alert marks", """
            -- The highest quota alert (80 or 100 %) already sent for a team in its current epoch,
            -- so that a restart neither repeats nor forgets it. A reset deletes the row.
            CREATE TABLE quota_alerts (
                team_id     INTEGER NOT NULL PRIMARY KEY REFERENCES teams (id),
                reset_epoch INTEGER NOT NULL,
                percent     INTEGER NOT NULL,
                at          INTEGER NOT NULL
            );
            """),
        new(3, "data protection keys", """
            -- The key ring that seals the admin session and CSRF cookies (ASP.NET Core data
            -- protection), one XML element per row, as the framework hands them over.
            CREATE TABLE protection_keys (
                id         INTEGER PRIMARY KEY,
                name       TEXT    NOT NULL,
                xml        TEXT    NOT NULL,
                created_at INTEGER NOT NULL
            );
            """),
        new(4, "request log model index ignores letter case", """
            -- Model names match regardless of letter case everywhere, so the log's model filter
            -- does too; the index has to use the same collation to serve it.
            DROP INDEX request_log_model_time;
            CREATE INDEX request_log_model_time ON request_log (model COLLATE NOCASE, started_at);
            """),
        new(5, "admin sessions", """
            -- The signed-in panel sessions, so that signing out ends one for good: a copied cookie
            -- names a row that is gone. Keyed by the SHA-256 of the key in the cookie; the ticket
            -- is sealed with the app's data protection keys.
            CREATE TABLE admin_sessions (
                id         TEXT    NOT NULL PRIMARY KEY,
                ticket     BLOB    NOT NULL,
                expires_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
            """),
    ];

    /// <summary>
    /// Brings the database up to the last migration. Each migration runs in its own immediate
    /// transaction together with its row in schema_migrations, so two processes starting at
    /// once cannot both apply it, and a failed migration leaves nothing behind.
    /// </summary>
    /// <returns>How many migrations were applied.</returns>
    public static int Migrate(SqliteConnection connection)
    {
        Execute(connection, null, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT    NOT NULL,
                applied_at INTEGER NOT NULL
            )
            """);

        var applied = 0;
        foreach (var migration in Migrations)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            if (CurrentVersion(connection, transaction) >= migration.Version)
            {
                continue;
            }

            Execute(connection, transaction, migration.Sql);
            using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, $at)";
                record.Parameters.AddWithValue("$v", migration.Version);
                record.Parameters.AddWithValue("$n", migration.Name);
                record.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            applied++;
        }

        return applied;
    }

    public static long CurrentVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_migrations";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
