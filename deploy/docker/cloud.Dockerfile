# va-cloud (Orleans silo + console + model registry) and the admin CLI `va`, for linux/amd64.
# Build from the repository root:  docker build -f deploy/docker/cloud.Dockerfile -t videoanalytics/va-cloud:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish cloud/VideoAnalytics.Cloud -c Release -o /out/va-cloud \
 && dotnet publish cloud/VideoAnalytics.Admin -c Release -o /out/va

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# libgtk-3-0: OpenCvSharp's native library links against it (the embedded judge decodes keyframes with OpenCV).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgtk-3-0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/va-cloud /app
COPY --from=build /out/va /opt/va
RUN printf '#!/bin/sh\nexec dotnet /opt/va/va.dll "$@"\n' > /usr/local/bin/va && chmod +x /usr/local/bin/va \
 && mkdir -p /var/lib/va && chown app:app /var/lib/va
USER app
WORKDIR /app
ENV ASPNETCORE_URLS=http://+:8080 DOTNET_gcServer=1
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "/app/va-cloud.dll"]
