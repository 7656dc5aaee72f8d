# One image for the server and the worker; docker-compose.yml picks the command.
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages/contract/package.json packages/contract/
COPY packages/core/package.json packages/core/
COPY packages/server/package.json packages/server/
COPY packages/worker/package.json packages/worker/
COPY packages/sdk/package.json packages/sdk/
RUN npx --yes pnpm@12.4.2 install --frozen-lockfile
COPY packages packages
COPY scripts/bundle.mjs scripts/bundle-entry.mjs scripts/
# tsc, then the server and the worker bundled (scripts/bundle.mjs): what the commands run.
RUN npm run build && npx --yes pnpm@12.4.2 prune --prod

FROM node:22-bookworm-slim
WORKDIR /app
# NODE_ENV: express reads it (its fallback error pages then carry no stack trace).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/data
COPY --from=build /app /app
COPY web web
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "packages/server/bundle/main.mjs"]
