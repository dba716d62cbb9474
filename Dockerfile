# Sunshine Ledger: a static, pure-Go binary on a distroless base, run as a
# non-root user. Fonts are embedded in the binary; no system fonts needed.
# The build steps are exercised without Docker by .ci/run's build check
# (same go build flags; the binary started as a non-root user).
#
# Base images are pinned by digest: the digest alone decides what is pulled
# (the tag beside it is a label Docker does not check), so a rebuild gets the
# same bytes. The Go image's tag names the exact version go.mod asks for
# (`go 1.26.8`): the golang images set GOTOOLCHAIN=local, so an older Go
# would refuse the module (.ci/image.sh checks that the two agree). The two
# digests are those public Dockerfiles pinned for these tags in 2026 (the
# distroless one dated 2026-08-26); no registry is reachable from the
# machines this was written on, so check them before a release and refresh
# them with each Go or distroless update:
#   docker buildx imagetools inspect golang:1.26.8-bookworm            (Digest:)
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# (or `crane digest IMAGE`), then replace the sha256 after the "@" and the
# Go tag with go.mod's version.
FROM golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/sunshine ./cmd/sunshine \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/sunshine /usr/local/bin/sunshine
# /data belongs to nonroot (65532) in the image, so a fresh named volume
# mounted there does too and `serve` can create its keys and database.
COPY --from=build --chown=65532:65532 /out/data /data
ENV SUNSHINE_ADDR=0.0.0.0:8080 \
    SUNSHINE_DATA=/data
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["/usr/local/bin/sunshine", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/sunshine"]
CMD ["serve"]
