// `reach`: one command for every role — broker, agent, admin, API calls, on-demand connections.
import { Command, CommanderError } from "commander";
import { messageOf } from "../common/result.js";
import { registerAdminCommand } from "./commands/admin.js";
import { registerAgentCommand } from "./commands/agent.js";
import { registerApiCommand } from "./commands/api.js";
import { registerBrokerCommand } from "./commands/broker.js";
import { registerConnectionCommand } from "./commands/connection.js";
import { registerDesktopCommand } from "./commands/desktop.js";
import { registerServiceCommands } from "./commands/service.js";
import { registerUpCommand } from "./commands/up.js";

const program = new Command()
  .name("reach")
  .description("Reach your own machines' services from anywhere.")
  .showHelpAfterError()
  // Each command's options end at its subcommand's name, so `reach broker init --domain`
  // gives --domain to init, not to the broker flag of the same name.
  .enablePositionalOptions()
  .exitOverride();

registerBrokerCommand(program);
registerAgentCommand(program);
registerAdminCommand(program);
registerApiCommand(program);
registerDesktopCommand(program);
registerConnectionCommand(program);
registerUpCommand(program);
// After broker and agent: it adds install, uninstall and status to them.
registerServiceCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`reach: ${messageOf(error)}\n`);
  process.exit(1);
}
