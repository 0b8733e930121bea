/** Where the CodeLens goes: the line that declares the module's `build` export. No vscode import. */

const BUILD_DECL = [
  /^\s*export\s+(?:async\s+)?function\s+build\b/,
  /^\s*export\s+(?:const|let|var)\s+build\b/,
  /^\s*(?:module\.)?exports\.build\s*=/,
  /^\s*(?:async\s+)?function\s+build\b/,
];

/** 0-based line of the `build` declaration, or 0 (the top of the file) when there is none. */
export function buildLine(text: string): number {
  const lines = text.split('\n');
  for (const re of BUILD_DECL) {
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) return i;
  }
  return 0;
}
