# syntax=docker/dockerfile:1
# Countersign image: build stage (dev dependencies, TypeScript) → runtime stage (production
# dependencies and dist/ only). Every RUN below is an npm script that CI also runs outside a container
# (.ci/run → scripts/check-image-steps.sh), since no container engine runs where this was written.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# From the lockfile. `npm ci` is not used: the lockfile lacks other platforms' optional binaries that
# some registry mirrors do not carry, and `npm install` installs exactly the locked versions.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY migrations migrations
RUN npm run build && npm run prune:production

FROM node:24-slim
ENV NODE_ENV=production
# tini reaps zombies and forwards SIGTERM to node, so shutdown is graceful (in-flight requests finish).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/dist dist
# The embedded PostgreSQL (DATABASE_URL unset) keeps its data here; set DATABASE_URL in production.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENV PORT=3000 ROLE=all
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
