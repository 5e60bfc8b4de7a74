/** The shape every `ribwatch` subcommand exports as `command` (see bin/cli.ts). */

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export interface Command {
  /** Full usage text, printed by `ribwatch <name> --help`. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** A usage error: the message, then a pointer to --help. Exit code 2, as for getopt tools. */
export function usageError(io: CliIo, command: string, message: string): number {
  io.stderr.write(`ribwatch ${command}: ${message}\nRun \`ribwatch ${command} --help\` for usage.\n`);
  return 2;
}
