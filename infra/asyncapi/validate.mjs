// Parse an AsyncAPI document with the official parser and print one JSON line:
// {"valid": bool, "errors": [...], "channels": n, "messages": n}. Exit 1 if it is not valid.
import { Parser } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';

const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(process.argv[2], 'utf8'));
const errors = diagnostics
  .filter((d) => d.severity === 0)
  .map((d) => `${d.path.join('/')}: ${d.message}`);
const valid = document !== undefined && errors.length === 0;
console.log(JSON.stringify({
  valid,
  errors,
  channels: document ? document.channels().length : 0,
  messages: document ? document.allMessages().length : 0,
}));
process.exit(valid ? 0 : 1);
