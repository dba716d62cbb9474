# Sunshine Ledger: a static, pure-Go binary on a distroless base, run as a
# non-root user. Fonts are embedded in the binary; no system fonts needed.
# The build steps are exercised without Docker by .ci/run's build check
# (same go build flags; the binary started as a non-root user).
#
# Base images are pinned by digest, so a rebuild gets the same bytes; a tag
# alone moves. The two digests below are the ones public Dockerfiles pinned
# for these tags in 2026 (the distroless one dated 2026-08-26); no registry
# is reachable from the machines this was written on, so check them before
# a release and refresh them on each Go or distroless update:
#   docker buildx imagetools inspect golang:1.26-bookworm             (Digest:)
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# (or `crane digest IMAGE`), then replace the sha256 after the tag's "@".
# A digest that does not match fails the pull; it never builds another image.
FROM golang:1.26-bookworm@sha256:116d58cbd88c1297624acc6e967a060012422bacf9930927e23fb719189c6f36 AS build
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
