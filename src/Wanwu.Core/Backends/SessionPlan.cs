namespace Wanwu.Backends;

/// <summary>How many inference sessions a run opens, on which devices and with how many threads each, and opening them.</summary>
internal static class SessionPlan
{
    /// <summary>One entry per session to open: its device and its threads per operator.</summary>
    /// <param name="devices">The devices asked for, already resolved (see <see cref="ExecutionProviders.Resolve"/>).</param>
    /// <param name="modelBytes">Size of the ONNX file: a session holds about twice it.</param>
    /// <param name="inferenceThreads">The user's threads per operator; 0 chooses.</param>
    public static IReadOnlyList<(DeviceSpec Device, int Threads)> For(IReadOnlyList<DeviceSpec> devices, long modelBytes, int inferenceThreads)
    {
        var sessions = devices.ToList();
        if (devices is [{ Kind: DeviceKind.Cpu }])
        {
            // One session cannot keep many cores busy with a small network (measured on 16 cores: MobileNet 95 img/s
            // with one 16-thread session, 283 with eight 2-thread sessions; CenterNet 51 → 103). So a CPU run gets a
            // session per two cores, as many as fit in a quarter of the memory.
            var count = Math.Max(1, Environment.ProcessorCount / 2);
            var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            count = (int)Math.Clamp(memory / 4 / (Math.Max(1, modelBytes) * 2), 1, count);
            if (inferenceThreads > 0) count = Math.Max(1, Environment.ProcessorCount / inferenceThreads);
            sessions = Enumerable.Repeat(devices[0], count).ToList();
        }
        else
        {
            // Two sessions per GPU keep it busy while the other batch is encoded and its outputs decoded on the CPU
            // (one session: ResNeSt-101 model-only 586 img/s on an H100, where ONNX Runtime's run alone does ~2,100).
            sessions = devices.SelectMany(d => d.Kind == DeviceKind.Cpu ? [d] : new[] { d, d }).ToList();
        }
        // Sessions on one CPU share its cores.
        var threads = inferenceThreads > 0
            ? inferenceThreads
            : Math.Max(1, Environment.ProcessorCount / Math.Max(1, sessions.Count(d => d.Kind == DeviceKind.Cpu)));
        return sessions.Select(d => (d, threads)).ToList();
    }

    /// <summary>Opens every planned session side by side (eight sessions of a 600 MB network took 22 s one after another).</summary>
    public static IReadOnlyList<IInferenceBackend> Open(IReadOnlyList<(DeviceSpec Device, int Threads)> plan, Func<DeviceSpec, int, IInferenceBackend> open)
    {
        var created = new IInferenceBackend?[plan.Count];
        try
        {
            Parallel.For(0, plan.Count, i => created[i] = open(plan[i].Device, plan[i].Threads));
        }
        catch (AggregateException e)
        {
            foreach (var b in created) b?.Dispose();
            throw e.InnerExceptions[0];
        }
        return created.Select(b => b!).ToList();
    }
}
