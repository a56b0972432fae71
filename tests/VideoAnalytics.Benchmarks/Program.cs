using VideoAnalytics.Benchmarks;

// Temporary until the benchmark dispatcher (branch edge) is merged; see IngestBenchmark for the ingest subcommand.
return args.FirstOrDefault() == "ingest" ? await IngestBenchmark.RunAsync(args[1..]) : 64;
