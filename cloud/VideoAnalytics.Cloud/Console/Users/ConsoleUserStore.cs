using Npgsql;

namespace VideoAnalytics.Cloud.Console.Users;

/// <summary>Reads console users from <c>console_users</c> (written by <c>va users add</c>).</summary>
public sealed class ConsoleUserStore(NpgsqlDataSource dataSource)
{
    public sealed record StoredUser(ConsoleUser User, string PasswordHash, bool Disabled);

    public async Task<StoredUser?> FindAsync(string name, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT name, role, branch, password_hash, disabled FROM console_users WHERE name = @name");
        cmd.Parameters.AddWithValue("name", name);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var user = new ConsoleUser(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return new StoredUser(user, reader.GetString(3), reader.GetBoolean(4));
    }
}
