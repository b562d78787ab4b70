#!/usr/bin/env node
// The neraca command: runs the compiled CLI (npm run build writes dist/). The telemetry preload
// comes first: with enable_observability on it starts OpenTelemetry before pg, ioredis and
// Fastify are loaded; off, it loads nothing more.
require('../dist/src/app/telemetry/preload.js');
require('../dist/src/main.js');
