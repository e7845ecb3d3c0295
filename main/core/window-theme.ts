// The colour a window paints before the page has: the page's own background (renderer
// styles, --bg) in the OS's theme, so opening the panel or window never flashes white in
// dark mode. The page follows prefers-color-scheme; the shell sets nativeTheme.themeSource
// to "system" so that the page's media query and this choice agree.

export const WINDOW_BACKGROUND = { light: "#f6f7f9", dark: "#14171b" } as const;

export function windowBackground(dark: boolean): string {
  return dark ? WINDOW_BACKGROUND.dark : WINDOW_BACKGROUND.light;
}
