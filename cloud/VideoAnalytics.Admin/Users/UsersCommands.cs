using System.CommandLine;
using System.Text;
using Npgsql;
using VideoAnalytics.Users;

namespace VideoAnalytics.Admin.Users;

/// <summary>
/// <c>va users add --name N --role staff|admin [--branch B] [--password-stdin] [--update]</c>: creates a security
/// console user in PostgreSQL, hashed exactly as the console verifies (the first admin is made this way).
/// </summary>
public static class UsersCommands
{
    private const string UndefinedTable = "42P01";

    public static Command Create()
    {
        var users = new Command("users", "Security console users.");
        users.Subcommands.Add(CreateAdd());
        return users;
    }

    private static Command CreateAdd()
    {
        var name = new Option<string>("--name") { Description = "user name (a-z, 0-9, '.', '_', '@', '-')", Required = true };
        var role = new Option<string>("--role") { Description = "staff (one branch) or admin (every branch)", Required = true };
        role.AcceptOnlyFromAmong([.. UserRules.Roles]);
        var branch = new Option<string?>("--branch") { Description = "the branch a staff user watches" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "read the password from standard input (first line)" };
        var update = new Option<bool>("--update") { Description = "replace role, branch and password of an existing user" };
        var postgres = PostgresOption.Create();
        var add = new Command("add", "Add a console user (or, with --update, reset one).") { name, role, branch, passwordStdin, update, postgres };
        add.SetAction((parse, ct) => AddAsync(
            parse.GetValue(name)!.Trim().ToLowerInvariant(), parse.GetValue(role)!, parse.GetValue(branch), parse.GetValue(passwordStdin),
            parse.GetValue(update), PostgresOption.Resolve(parse.GetValue(postgres)), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return add;
    }

    private static async Task<int> AddAsync(string name, string role, string? branch, bool passwordFromStdin, bool update, string? connectionString,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (connectionString is null)
        {
            await error.WriteLineAsync($"No database: pass --postgres or set {PostgresOption.EnvironmentVariable}.");
            return 2;
        }
        var password = passwordFromStdin ? await ReadFirstLineAsync(ct) : ReadPasswordTwice(error);
        if (password is null) return 2;
        var reasons = UserRules.Check(name, role, branch, password);
        if (reasons.Count > 0)
        {
            foreach (var reason in reasons) await error.WriteLineAsync(reason);
            return 2;
        }

        try
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync(ct);
            var sql = "INSERT INTO console_users (name, role, branch, password_hash) VALUES (@name, @role, @branch, @hash) " +
                (update
                    ? "ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, branch = EXCLUDED.branch, password_hash = EXCLUDED.password_hash, " +
                      "disabled = false, updated_utc = now()"
                    : "ON CONFLICT (name) DO NOTHING");
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue("name", name);
            cmd.Parameters.AddWithValue("role", role);
            cmd.Parameters.Add(new NpgsqlParameter<string?>("branch", branch));
            cmd.Parameters.AddWithValue("hash", PasswordHashing.Hash(password));
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                await error.WriteLineAsync($"User {name} already exists (use --update to replace their role, branch and password).");
                return 1;
            }
        }
        catch (PostgresException e) when (e.SqlState == UndefinedTable)
        {
            await error.WriteLineAsync("Table console_users does not exist: start va-cloud once against this database so it creates the schema.");
            return 1;
        }
        catch (NpgsqlException e)
        {
            await error.WriteLineAsync($"Cannot write to PostgreSQL: {e.Message}");
            return 1;
        }
        await output.WriteLineAsync($"{(update ? "Saved" : "Added")} {role} {name}{(branch is null ? "" : $" of branch {branch}")}.");
        return 0;
    }

    private static async Task<string?> ReadFirstLineAsync(CancellationToken ct)
    {
        var line = await System.Console.In.ReadLineAsync(ct);
        return line?.TrimEnd('\r');
    }

    /// <summary>Asks on the terminal without echo, twice; null (with a message) when it cannot or they differ.</summary>
    private static string? ReadPasswordTwice(TextWriter error)
    {
        if (System.Console.IsInputRedirected)
        {
            error.WriteLine("Standard input is not a terminal: pass the password with --password-stdin.");
            return null;
        }
        var first = ReadHidden("Password: ");
        var second = ReadHidden("Repeat password: ");
        if (first == second) return first;
        error.WriteLine("The passwords differ.");
        return null;
    }

    private static string ReadHidden(string prompt)
    {
        System.Console.Write(prompt);
        var text = new StringBuilder();
        for (var key = System.Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = System.Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        System.Console.WriteLine();
        return text.ToString();
    }
}
