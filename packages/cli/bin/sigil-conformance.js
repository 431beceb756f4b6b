#!/usr/bin/env node
import('../dist/conformance.js').then((m) => m.main(process.argv));
