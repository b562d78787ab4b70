#!/usr/bin/env node
// The neraca command: runs the compiled CLI (npm run build writes dist/).
require('../dist/src/main.js');
