export function compiledEntry(root: string): string;
export function distIsFresh(root: string): boolean;
