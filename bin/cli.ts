/**
 * The `ribwatch` command line: one entry, one subcommand per role or tool. Each subcommand lives
 * in commands/<name>.ts and exports `command: Command`; it is loaded only when run, so one
 * role's dependencies never slow down or break another's start.
 *
 * To add a subcommand, add one line to COMMANDS.
 */
import type { Command, CliIo } from './commands/command.js';

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const COMMANDS: Readonly<Record<string, Entry>> = {
  run: { summary: 'collector, writer, analyzer and API in one process on the embedded store (./data): the single-machine default (--demo: a simulated fabric)', load: async () => (await import('./commands/run.js')).command },
  decode: { summary: 'decode BMP from raw files or pcap/pcapng captures to NDJSON or a summary', load: async () => (await import('./commands/decode.js')).command },
  sim: { summary: 'act as a demo fabric: three simulated routers with flaps, a pod CIDR leak and prefix-limit pressure, to any collector', load: async () => (await import('./commands/sim.js')).command },
  replay: { summary: 'act as a router: send the BMP in a file or capture to a collector over TCP', load: async () => (await import('./commands/replay.js')).command },
  collector: { summary: 'run the BMP collector: routers connect, records go out as NDJSON (or to the bus)', load: async () => (await import('./commands/collector.js')).command },
  analyzer: { summary: 'consume records from Kafka through the detectors into alerts (ClickHouse, Slack, webhook); scheduled audits', load: async () => (await import('./commands/analyzer.js')).command },
  writer: { summary: 'consume records from Kafka into ClickHouse (consumer group, batched inserts)', load: async () => (await import('./commands/writer.js')).command },
  sql: { summary: 'run one read-only SQL query against the store and print the result', load: async () => (await import('./commands/sql.js')).command },
  api: { summary: 'serve the REST API (/api/v1, OpenAPI at /docs) over the configured store', load: async () => (await import('./commands/api.js')).command },
  migrate: { summary: 'create or update the ClickHouse tables (numbered SQL files in migrations/)', load: async () => (await import('./commands/migrate.js')).command },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, e]) => `  ${name.padEnd(width)}  ${e.summary}`);
  return ['usage: ribwatch <command> [options]', '', 'commands:', ...lines, '', 'Run `ribwatch <command> --help` for the options of one command.'].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? rest[0] : undefined;
    if (target !== undefined && Object.hasOwn(COMMANDS, target)) return main([target, '--help'], io);
    (name === undefined ? io.stderr : io.stdout).write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    io.stderr.write(`ribwatch: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest, io);
}

// Output piped into `head` or a closed pager: stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const io: CliIo = { stdout: process.stdout, stderr: process.stderr };
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    io.stderr.write(`ribwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
