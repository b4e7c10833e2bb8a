namespace TokenRouter.Storage;

/// <summary>
/// One write in the writer's queue. <see cref="Apply"/> runs inside the group transaction and
/// may run again if the transaction is retried; the rest runs once, after the commit.
/// </summary>
internal abstract class BooksWrite
{
    /// <summary>How many transactions this write has been part of.</summary>
    public int Attempts { get; set; }

    /// <summary>
    /// The <see cref="System.Diagnostics.Stopwatch"/> time after which this write stops waiting for
    /// failing storage and is refused; charges keep the default and wait for as long as it takes.
    /// </summary>
    public long GiveUpAt { get; init; } = long.MaxValue;

    /// <summary>Set by <see cref="Apply"/> when this write is refused for good; the others still commit.</summary>
    public Exception? Refusal { get; protected set; }

    public abstract void Apply(WriterSession session);

    /// <summary>Runs the caller's callback, on the writer, in commit order.</summary>
    public virtual void RunCommitted()
    {
    }

    /// <summary>Completes the caller's task: with the result, or with the refusal.</summary>
    public abstract void Complete();

    public abstract void Fail(Exception error);
}

/// <summary>A request's usage: a log row plus its tokens on the team's used count.</summary>
internal sealed class ChargeWrite(UsageRecord record, Action? committed) : BooksWrite
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _done.Task;

    public override void Apply(WriterSession session)
    {
        var reason = session.Charge(record, retried: Attempts > 1);
        Refusal = reason is null ? null : new ChargeRejectedException(record.RequestId, reason);
    }

    public override void RunCommitted()
    {
        if (Refusal is null)
        {
            committed?.Invoke();
        }
    }

    public override void Complete()
    {
        if (Refusal is null)
        {
            _done.TrySetResult();
        }
        else
        {
            _done.TrySetException(Refusal);
        }
    }

    public override void Fail(Exception error) => _done.TrySetException(error);
}

/// <summary>A team's used count back to 0, in a new epoch, with the reset recorded.</summary>
internal sealed class ResetWrite(long teamId, ResetReason reason, Action<Team>? committed) : BooksWrite
{
    private readonly TaskCompletionSource<Team?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Team? _team;

    public Task<Team?> Task => _done.Task;

    public override void Apply(WriterSession session)
    {
        session.FlushUsage();
        _team = TeamWrites.Reset(session, teamId, reason);
    }

    public override void RunCommitted()
    {
        if (_team is not null)
        {
            committed?.Invoke(_team);
        }
    }

    public override void Complete() => _done.TrySetResult(_team);

    public override void Fail(Exception error) => _done.TrySetException(error);
}

/// <summary>Any other change (teams, pruning), ordered with the charges around it.</summary>
internal sealed class OperationWrite<T>(Func<WriterSession, T> operation) : BooksWrite
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T _result = default!;

    public Task<T> Task => _done.Task;

    public override void Apply(WriterSession session)
    {
        session.FlushUsage();
        _result = operation(session);
    }

    public override void Complete() => _done.TrySetResult(_result);

    public override void Fail(Exception error) => _done.TrySetException(error);
}
