/**
 * kernel/fs/open-flags.ts: arm64 numbers O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE
 * differently (arch/arm64/include/uapi/asm/fcntl.h); the other three arches use asm-generic's.
 */
import test from 'ava';
import type { ArchName } from '../../arch/common/cpu';
import { O } from '../../kernel/fs/file';
import { openFlagsFromGuest, openFlagsToGuest } from '../../kernel/fs/open-flags';

/** arm64's values (asm/fcntl.h). */
const ARM64 = { DIRECTORY: 0o40000, NOFOLLOW: 0o100000, DIRECT: 0o200000, LARGEFILE: 0o400000 };

test('aarch64: each moved flag, both ways', (t) => {
  const pairs: Array<[number, number]> = [
    [ARM64.DIRECTORY, O.DIRECTORY], [ARM64.NOFOLLOW, O.NOFOLLOW], [ARM64.DIRECT, O.DIRECT], [ARM64.LARGEFILE, O.LARGEFILE],
  ];
  for (const [arm, gen] of pairs) {
    t.is(openFlagsFromGuest('aarch64', arm), gen, `guest 0o${arm.toString(8)}`);
    t.is(openFlagsToGuest('aarch64', gen), arm, `kernel 0o${gen.toString(8)}`);
  }
  // The four values are a permutation of the same four bits: arm64's O_DIRECTORY is generic O_DIRECT...
  t.is(openFlagsFromGuest('aarch64', O.DIRECT), O.DIRECTORY);
  t.is(openFlagsFromGuest('aarch64', O.LARGEFILE), O.NOFOLLOW);
});

test('aarch64: flags that do not move pass through; combinations keep every bit', (t) => {
  const same = O.WRONLY | O.CREAT | O.EXCL | O.TRUNC | O.APPEND | O.NONBLOCK | O.CLOEXEC | O.PATH | O.NOATIME | O.SYNC;
  t.is(openFlagsFromGuest('aarch64', same), same);
  t.is(openFlagsToGuest('aarch64', same), same);
  // open("/x", O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC) as an arm64 program passes it.
  t.is(openFlagsFromGuest('aarch64', 0o40000 | 0o100000 | 0o2000000), O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
  // O_TMPFILE is __O_TMPFILE | O_DIRECTORY in each numbering.
  t.is(openFlagsFromGuest('aarch64', 0o20000000 | ARM64.DIRECTORY), O.TMPFILE);
  t.is(openFlagsToGuest('aarch64', O.TMPFILE), 0o20040000);
  // F_GETFL of a file opened with O_LARGEFILE (what a 64-bit open implies).
  t.is(openFlagsToGuest('aarch64', O.RDWR | O.LARGEFILE | O.APPEND), O.RDWR | ARM64.LARGEFILE | O.APPEND);
});

test('aarch64: to and from are inverse over every combination of the moved and nearby bits', (t) => {
  const bits = [0o1, 0o2, 0o100, 0o2000, 0o4000, 0o20000, 0o40000, 0o100000, 0o200000, 0o400000, 0o1000000, 0o2000000];
  let bad = 0;
  for (let m = 0; m < 1 << bits.length; m++) {
    let f = 0;
    bits.forEach((b, i) => { if (m & (1 << i)) f |= b; });
    const k = openFlagsFromGuest('aarch64', f);
    if (openFlagsToGuest('aarch64', k) !== f || openFlagsFromGuest('aarch64', openFlagsToGuest('aarch64', f)) !== f) bad++;
    // The number of set bits never changes (a permutation).
    if (k.toString(2).replace(/0/g, '').length !== f.toString(2).replace(/0/g, '').length) bad++;
  }
  t.is(bad, 0);
});

test('riscv64, x86_64, loongarch64: asm-generic numbering, unchanged both ways', (t) => {
  const all = (Object.values(O) as number[]).reduce((a, b) => a | b, 0);
  for (const arch of ['riscv64', 'x86_64', 'loongarch64'] as ArchName[]) {
    for (const f of [0, O.DIRECTORY, O.NOFOLLOW, O.DIRECT, O.LARGEFILE, all, 0o40000 | 0o100000]) {
      t.is(openFlagsFromGuest(arch, f), f, `${arch} 0o${f.toString(8)}`);
      t.is(openFlagsToGuest(arch, f), f);
    }
  }
});
