using Dapper;
using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>Admin panel sessions: written through the writer like every change, read from the pool.</summary>
/// <remarks>
/// The ticket goes through plain ADO.NET parameters: Dapper.AOT would expand a byte[] as a list of values.
/// </remarks>
internal sealed partial class SqliteBooks
{
    public Task StoreSessionAsync(string id, byte[] ticket, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var expires = UnixMs.From(expiresAt);
        return Enqueue(session =>
        {
            // Sign-ins are rare, so each one also clears out the sessions that have run out.
            using var command = session.Connection.CreateCommand();
            command.Transaction = session.Transaction;
            command.CommandText = """
                DELETE FROM admin_sessions WHERE expires_at <= $now;
                INSERT INTO admin_sessions (id, ticket, expires_at) VALUES ($id, $ticket, $expires)
                ON CONFLICT (id) DO UPDATE SET ticket = excluded.ticket, expires_at = excluded.expires_at;
                """;
            command.Parameters.AddWithValue("$now", session.Now);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.Add("$ticket", SqliteType.Blob).Value = ticket;
            command.Parameters.AddWithValue("$expires", expires);
            return command.ExecuteNonQuery();
        }, cancellationToken);
    }

    public Task<byte[]?> FindSessionAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = _connections.Read();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = "SELECT ticket FROM admin_sessions WHERE id = $id AND expires_at > $now";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", UnixMs.From(_clock.GetUtcNow()));
        return Task.FromResult(command.ExecuteScalar() as byte[]);
    }

    public Task RemoveSessionAsync(string id, CancellationToken cancellationToken) =>
        Enqueue(session => session.Connection.Execute(
            "DELETE FROM admin_sessions WHERE id = @id", new { id }, session.Transaction), cancellationToken);
}
