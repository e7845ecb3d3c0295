// The exact `reach agent` line that puts a first device in the list: the signed-in broker's
// URL and key filled in; the secret left for the user to type (never shown on screen).
export const SECRET_PLACEHOLDER = "YOUR_SECRET";

export function agentCommand(apiUrl: string, accessKeyId: string): string {
  return `reach agent --api ${apiUrl} --key ${accessKeyId} --secret ${SECRET_PLACEHOLDER} --service ssh=ssh:22`;
}
