// Helper of throwsInBuild.ts (server/sanity tests): the error is thrown here, in a file the module imports.
export function requireMultipleOf(shape: readonly (number | null)[], stride: number): void {
  for (const side of shape.slice(0, 2)) {
    if (side !== null && side % stride !== 0) {
      throw new Error(`input side ${side} is not a multiple of ${stride}`); // <- expected
    }
  }
}
