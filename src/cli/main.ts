/** The `tandem` command line: a small dispatcher over one module per command. */
import { chunksCommand } from './commands/chunks.ts';
import { deltaCommand } from './commands/delta.ts';
import { patchCommand } from './commands/patch.ts';
import { signatureCommand } from './commands/signature.ts';
import { describeError, UsageError } from './errors.ts';

const USAGE = `usage: tandem <command> [arguments]

  chunks FILE              print FastCDC chunks of FILE as JSON lines, then the file hash
  signature OLD SIG        write the rsync signature of OLD to SIG
  delta SIG NEW DELTA      write the delta from SIG's file to NEW to DELTA
  patch OLD DELTA OUT      apply DELTA to OLD and write the result to OUT
  help                     show this help
`;

interface Command {
  readonly args: readonly string[];
  readonly run: (args: readonly string[]) => Promise<void>;
}

const write = (stream: NodeJS.WriteStream) => (text: string) =>
  new Promise<void>((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));

const COMMANDS: Record<string, Command> = {
  chunks: { args: ['FILE'], run: (args) => chunksCommand(args, write(process.stdout)) },
  signature: { args: ['OLD', 'SIG'], run: signatureCommand },
  delta: { args: ['SIG', 'NEW', 'DELTA'], run: deltaCommand },
  patch: { args: ['OLD', 'DELTA', 'OUT'], run: patchCommand },
};

export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === 'help' || name === '--help' || name === '-h') {
    await write(process.stdout)(USAGE);
    return 0;
  }
  try {
    if (name === undefined) throw new UsageError('no command given; try `tandem help`');
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new UsageError(`unknown command "${name}"; try \`tandem help\``);
    if (rest.length !== command.args.length) {
      throw new UsageError(`${name}: expected ${command.args.join(' ')}, got ${rest.length} argument(s)`);
    }
    await command.run(rest);
    return 0;
  } catch (error) {
    const prefix = error instanceof UsageError || name === undefined ? 'tandem' : `tandem: ${name}`;
    process.stderr.write(`${prefix}: ${describeError(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
