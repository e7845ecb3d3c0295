// The renderer's address in the Electron shell, and the one test of "is this our page".
// Kept free of Electron imports so tests can load it.
//
// Node's URL gives every non-special scheme an opaque origin ("null"), even one Chromium
// treats as standard, so `new URL(x).origin` cannot identify reach-app:// pages: compare
// the scheme and host instead.

export const APP_SCHEME = "reach-app";
export const APP_HOST = "renderer";
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** True for a URL of the app's own page (reach-app://renderer/…), false for anything else. */
export function isAppUrl(candidate: string | undefined): boolean {
  if (!candidate) return false;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` &&
    url.host === APP_HOST &&
    url.username === "" &&
    url.password === ""
  );
}
