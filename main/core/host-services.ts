// What the core needs from whatever hosts it (the Electron shell, or the headless server):
// a clipboard, a way to open URLs outside the app, a terminal window, and notifications.

export interface HostServices {
  /** Returns false when the host has no clipboard of its own (headless: the browser copies). */
  copyText(text: string): Promise<boolean>;
  /** Returns false when the host cannot open URLs (headless: the browser opens them). */
  openExternal(url: string): Promise<boolean>;
  /**
   * Runs a launch command in a new terminal window (main/core/terminal-launcher.ts), with
   * settings.terminal; false when the host has no windows (headless: the page shows the
   * command). Rejects with a sentence when no terminal starts.
   */
  runInTerminal(command: string, terminal: string | null): Promise<boolean>;
  notify(title: string, body: string): void;
}
