using VideoAnalytics.Transport.TestHosts;

return args.FirstOrDefault() switch
{
    "device" => await DeviceHost.RunAsync(args[1..]),
    "ingest" => await IngestHost.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: VideoAnalytics.Transport.TestHosts device|ingest --Key value ... (see DeviceHost, IngestHost)");
    return 64;
}
