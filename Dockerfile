# dact in a container, installed from its packed tarball (dact is not
# published on a registry): the image the Kubernetes recipe of
# docs/batch.md runs.
#
#   docker build -t dact:0.2.0 .
#   docker run --rm -v "$PWD:/data" dact:0.2.0 relu /data/x.npy -o /data/y.npy
#
# The first stage builds and packs the package as `npm pack` ships it; the
# second installs only that tarball (and its runtime dependencies).
FROM node:20-slim AS pack
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm run build && npm pack --pack-destination /tmp

FROM node:20-slim
COPY --from=pack /tmp/dact-*.tgz /tmp/
RUN npm install -g --no-audit --no-fund /tmp/dact-*.tgz && rm /tmp/dact-*.tgz && dact --version
ENTRYPOINT ["dact"]
