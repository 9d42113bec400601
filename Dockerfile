# syntax=docker/dockerfile:1
# provcheck serve in a container: a static Go build, run on Debian slim
# with ffmpeg (videos are decoded by ffmpeg/ffprobe) as a non-root user,
# the registry on a volume.
#
#   docker build -t provcheck \
#     --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(git log -1 --format=%cI) .
#   docker run -d --name provcheck -p 127.0.0.1:8080:8080 \
#     -v provcheck-data:/var/lib/provcheck -e PROVCHECK_API_KEYS=... provcheck

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
ARG COMMIT=""
ARG DATE=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w \
        -X github.com/provcheck/provcheck/internal/buildinfo.version=${VERSION} \
        -X github.com/provcheck/provcheck/internal/buildinfo.commit=${COMMIT} \
        -X github.com/provcheck/provcheck/internal/buildinfo.date=${DATE}" \
      -o /out/provcheck ./cmd/provcheck

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/provcheck --shell /usr/sbin/nologin provcheck \
 && install -d -o provcheck -g provcheck -m 0750 /var/lib/provcheck
COPY --from=build /out/provcheck /usr/local/bin/provcheck
USER provcheck:provcheck
WORKDIR /var/lib/provcheck
ENV PROVCHECK_REGISTRY=/var/lib/provcheck/registry.db \
    PROVCHECK_SERVER_ADDR=0.0.0.0:8080
VOLUME ["/var/lib/provcheck"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/provcheck"]
CMD ["--create", "serve", "--log-format", "json"]
