import { runCli } from "./cli/index.ts";

const code = await runCli(process.argv.slice(2), process.env);
process.exit(code);
