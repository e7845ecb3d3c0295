// `reach api`: sends one signed GraphQL operation and prints the JSON answer.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { graphqlRequest } from "../../common/graphql/request.js";
import { type CredentialFlags, resolveCredentials, withCredentialOptions } from "../credentials.js";

interface ApiFlags extends CredentialFlags {
  variables?: string;
}

export function registerApiCommand(program: Command): void {
  withCredentialOptions(
    program
      .command("api <query>")
      .description("Send a signed GraphQL query or mutation (or @file) and print the JSON answer.")
      .option("--variables <json>", "variables as a JSON object"),
  ).action(async (query: string, flags: ApiFlags) => {
    const text = query.startsWith("@") ? await readFile(query.slice(1), "utf8") : query;
    let variables: Record<string, unknown> = {};
    if (flags.variables) {
      try {
        variables = JSON.parse(flags.variables) as Record<string, unknown>;
      } catch {
        throw new Error("--variables is not valid JSON.");
      }
    }
    const { credentials, apiUrl } = await resolveCredentials(flags);
    const reply = await graphqlRequest(apiUrl, credentials, text, variables);
    process.stdout.write(
      `${JSON.stringify({ data: reply.data, errors: reply.errors }, null, 2)}\n`,
    );
    if (reply.errors?.length) process.exitCode = 2;
  });
}
