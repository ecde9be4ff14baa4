/** The recorded fixture runs (test/fixtures/README.md, "Recorded runs"). */
export interface RecordedCase { key: string; name: string; args: string[]; input?: string }

export const RECORDED: RecordedCase[] = [
  { key: 'hello', name: 'hello', args: [] },
  { key: 'args', name: 'args', args: ['one', 'two', 'three four'] },
  { key: 'exitcode', name: 'exitcode', args: [] },
  { key: 'exitcode.7', name: 'exitcode', args: ['7'] },
  { key: 'power3', name: 'power3', args: ['200000'] },
  { key: 'fib', name: 'fib', args: ['20'] },
  { key: 'sieve', name: 'sieve', args: ['100000'] },
  { key: 'qsort_crc', name: 'qsort_crc', args: ['1000'] },
  { key: 'syscalls', name: 'syscalls', args: [], input: 'readv input 0123456789 abcdefghijklmnopqrstuvwxyz' },
  { key: 'float', name: 'float', args: [] },
  { key: 'intops', name: 'intops', args: [] },
  { key: 'segv', name: 'segv', args: [] },
  { key: 'segv.catch', name: 'segv', args: ['catch'] },
  { key: 'hugemem', name: 'hugemem', args: [] },
  { key: 'gdbprog', name: 'gdbprog', args: [] },
];
