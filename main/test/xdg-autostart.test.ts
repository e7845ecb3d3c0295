// Open at login on Linux: the autostart entry the desktop reads at login, written and
// removed in a real directory, with the Exec line quoted as the Desktop Entry spec says.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test-support/stack.js";
import { AUTOSTART_FILE, quoteExecArgument, setXdgAutostart } from "../core/xdg-autostart.js";

describe("XDG autostart", () => {
  it("writes reach.desktop to start at login and removes it to stop", async () => {
    const dir = join(await tempDir("reach-autostart-"), "autostart");
    await setXdgAutostart(true, ["/opt/Reach Apps/Reach.AppImage"], dir);
    const entry = await readFile(join(dir, AUTOSTART_FILE), "utf8");
    const lines = entry.split("\n");
    assert.equal(lines[0], "[Desktop Entry]");
    assert.ok(lines.includes("Type=Application"));
    assert.ok(lines.includes('Exec="/opt/Reach Apps/Reach.AppImage"'));
    assert.deepEqual(await readdir(dir), [AUTOSTART_FILE], "no temporary file left");
    await setXdgAutostart(true, ["/usr/bin/electron", "/home/me/reach"], dir);
    assert.match(
      await readFile(join(dir, AUTOSTART_FILE), "utf8"),
      /^Exec="\/usr\/bin\/electron" "\/home\/me\/reach"$/m,
    );
    await setXdgAutostart(false, [], dir);
    assert.deepEqual(await readdir(dir), []);
    await setXdgAutostart(false, [], dir);
  });

  it("quotes what the Exec key would otherwise read as syntax", () => {
    assert.equal(
      quoteExecArgument('a "b" $HOME `x` \\ 100%'),
      '"a \\"b\\" \\$HOME \\`x\\` \\\\ 100%%"',
    );
  });
});
