using VideoAnalytics.Admin;

return await AdminCli.Build().Parse(args).InvokeAsync();
