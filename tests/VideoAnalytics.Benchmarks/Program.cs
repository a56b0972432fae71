using VideoAnalytics.Benchmarks;

return await BenchmarkDispatcher.RunAsync(args);
