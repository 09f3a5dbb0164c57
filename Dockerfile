# The Node the project is developed and tested on (package.json's node dev dependency); bookworm,
# so a rebuild does not move to another Debian release underneath.
FROM node:24.21.0-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY migrations ./migrations
# The data folder (archive bundles; in embedded mode also the database and generated keys) must be
# writable by the user the service runs as, and /app is root's. A named volume mounted here starts
# out with this owner.
RUN mkdir -p /var/lib/pollster/archive && chown -R node:node /var/lib/pollster
# production: no GraphiQL page (README, "GraphQL").
ENV POLLSTER_DATA_DIR=/var/lib/pollster NODE_ENV=production
USER node
EXPOSE 3000
CMD ["node", "src/cli/main.ts", "start"]
