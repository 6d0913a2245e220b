# The eIM image: the `eim` command (server, operator API client, simulators) on Node 20, compiled to
# JavaScript (npm run build) in a first stage; the image holds dist/, the migrations and the production
# dependencies only. bin/eim.js runs dist/ when it is there (and src/ through tsx when it is not).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/drizzle ./drizzle
COPY --from=build /app/bin ./bin
EXPOSE 8080 8443
ENTRYPOINT ["node", "bin/eim.js"]
CMD ["serve"]
