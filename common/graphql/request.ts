// A minimal signed GraphQL call for the CLI and tests (the desktop core uses Apollo).
import { createSignedFetch } from "../r3-fetch.js";
import type { R3Credentials } from "../r3-signature.js";

export interface GraphqlError {
  message: string;
  extensions?: { code?: string; reason?: string };
}

export interface GraphqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: GraphqlError[];
}

export async function graphqlRequest<T = Record<string, unknown>>(
  apiUrl: string,
  credentials: R3Credentials,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlResponse<T>> {
  const signedFetch = createSignedFetch(credentials);
  const response = await signedFetch(apiUrl, {
    method: "POST",
    body: JSON.stringify({ query, variables }),
  });
  const payload = (await response.json()) as Omit<GraphqlResponse<T>, "status">;
  return { status: response.status, ...payload };
}
