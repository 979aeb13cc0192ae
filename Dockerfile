# syntax=docker/dockerfile:1
# Multi-stage build: the SPA and the binary are built in the first stage with the same
# commands developers use (`cargo xtask spa`), the runtime image holds only the results.

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV CARGO_TARGET_DIR=/src/target
COPY . .
# Installs the wasm target, Trunk, wasm-bindgen-cli (Cargo.lock's version) and the npm
# packages, then builds every SPA bundle in release mode (web/dist and its subdirectories;
# each within its size budget). The runtime stage copies web/dist whole.
RUN cargo xtask spa
RUN cargo build --release --locked -p gatehouse

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin gatehouse
COPY --from=build /src/target/release/gatehouse /usr/local/bin/gatehouse
COPY --from=build /src/web/dist /usr/share/gatehouse/web
ENV GATEHOUSE_ADDR=0.0.0.0:8080 \
    GATEHOUSE_WEB_DIR=/usr/share/gatehouse/web \
    GATEHOUSE_LOG_FORMAT=json
USER gatehouse
EXPOSE 8080
ENTRYPOINT ["gatehouse"]
CMD ["serve"]
