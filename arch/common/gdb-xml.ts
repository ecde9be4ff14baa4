/** Target-description plumbing shared by every arch's gdb.ts (gdb's "Target Descriptions"). */

/** The top-level target.xml: the architecture, the GNU/Linux OS ABI, and one include per feature. */
export function targetXml(architecture: string, features: readonly string[]): string {
  return `<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target>
  <architecture>${architecture}</architecture>
  <osabi>GNU/Linux</osabi>
${features.map((f) => `  <xi:include href="${f}"/>`).join('\n')}
</target>
`;
}
