# The eIM image: the `eim` command (server, operator API client, simulators) on Node 20. The TypeScript
# runs through tsx, as `npm start` does; no build step.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY . .
EXPOSE 8080 8443
ENTRYPOINT ["node", "bin/eim.js"]
CMD ["serve"]
