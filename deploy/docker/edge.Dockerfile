# va-edge for x86-64 edge boxes (CPU; ONNX Runtime picks CUDA/TensorRT at run time only where its native library has
# them). Jetson images: see README.md in this folder.
# Build from the repository root:  docker build -f deploy/docker/edge.Dockerfile -t videoanalytics/va-edge:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish edge/VideoAnalytics.Edge -c Release -o /out/va-edge

FROM mcr.microsoft.com/dotnet/runtime:10.0
# libgtk-3-0 for OpenCvSharp's native library; ffmpeg decodes RTSP/USB cameras and writes the H.264 clip videos.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgtk-3-0 ffmpeg \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/va-edge /app
# Model manifests and the default gate heads; the ONNX files themselves are mounted (the product loads them by path).
COPY deploy/models /opt/va/models
RUN mkdir -p /var/lib/va/spool /var/lib/va/models && chown -R app:app /var/lib/va
USER app
WORKDIR /app
ENTRYPOINT ["dotnet", "/app/va-edge.dll"]
CMD ["run", "--config", "/etc/va/edge.json"]
