using VideoAnalytics.Edge.Hosting.Commands;

return await EdgeCommands.Create().Parse(args).InvokeAsync();
