# Sunshine Ledger: a static, pure-Go binary on a distroless base, run as a
# non-root user. Fonts are embedded in the binary; no system fonts needed.
# The build steps are exercised without Docker by .ci/run's build check
# (same go build flags; the binary started as a non-root user).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/sunshine ./cmd/sunshine \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
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
