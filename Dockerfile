# syntax=docker/dockerfile:1
# coopbot container image: a static binary (the bundled corpus, schema
# migrations, templates and prompts are embedded) on a distroless base,
# running as a non-root user.

# ---- build -------------------------------------------------------------
FROM golang:1.26-alpine AS build
WORKDIR /src
# Modules first, so editing the code does not re-download them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false \
      -ldflags="-s -w" -o /out/coopbot ./cmd/coopbot

# ---- run ---------------------------------------------------------------
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/coopbot /usr/local/bin/coopbot
USER nonroot:nonroot
ENV HTTP_ADDR=:8080 \
    LOG_FORMAT=json
EXPOSE 8080
# No shell or curl in the image: coopbot checks its own /readyz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["coopbot", "healthcheck"]
ENTRYPOINT ["coopbot"]
CMD ["serve"]
