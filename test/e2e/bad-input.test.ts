/**
 * Bad input never crashes the daemon: each case gets one clear message and the documented exit
 * code (125 unusable disk, 126 not executable, 127 not found, 2 bad command line; 128+N for a
 * guest killed by signal N).
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, makeDisk, runDaemon } from '../helpers/guest';

const hello = new Uint8Array(readFileSync(fixture('riscv64', 'hello')));
const disk = makeDisk({
  '/bin/hello': hello,
  '/bin/truncated': hello.subarray(0, 40),
  '/bin/lying': (() => { const b = hello.slice(); new DataView(b.buffer).setUint16(56, 900, true); return b; })(),
  '/bin/text': new TextEncoder().encode('#!/bin/sh\necho not an ELF\n'),
  '/bin/aarch64': new Uint8Array(readFileSync(fixture('aarch64', 'hello'))),
  '/bin/segv': fixture('riscv64', 'segv'),
  '/etc/dir/file': new Uint8Array(1),
});
const tmp = mkdtempSync(join(tmpdir(), 'runlinuxd-bad-'));

function daemon(args: string[]) {
  return runDaemon(['--arch', 'riscv64', '--log-level', 'warn', ...args]);
}

test('a program that is not on the disk: 127', async (t) => {
  const r = await daemon(['--disk', disk, '--', '/bin/nope']);
  t.is(r.code, 127);
  t.regex(r.stderr, /\/bin\/nope: no such file on /);
});

test('a relative program path is refused with a hint: 127', async (t) => {
  const r = await daemon(['--disk', disk, '--', 'bin/hello']);
  t.is(r.code, 127);
  t.regex(r.stderr, /give an absolute guest path/);
});

test('a directory as the program: 126', async (t) => {
  const r = await daemon(['--disk', disk, '--', '/etc/dir']);
  t.is(r.code, 126);
  t.regex(r.stderr, /\/etc\/dir: is a directory/);
});

test('a truncated ELF: 126 with the reason', async (t) => {
  const r = await daemon(['--disk', disk, '--', '/bin/truncated']);
  t.is(r.code, 126);
  t.regex(r.stderr, /cannot execute: truncated ELF header \(40 of 64 bytes\)/);
});

test('an ELF whose header lies about its program headers: 126', async (t) => {
  const r = await daemon(['--disk', disk, '--', '/bin/lying']);
  t.is(r.code, 126);
  t.regex(r.stderr, /e_phnum 900 out of range|program headers .* extend past the end of the file/);
});

test('a text file: 126, not an ELF', async (t) => {
  const r = await daemon(['--disk', disk, '--', '/bin/text']);
  t.is(r.code, 126);
  t.regex(r.stderr, /not an ELF file \(bad magic\)/);
});

test('an ELF for another arch: 126 naming both', async (t) => {
  const r = await daemon(['--disk', disk, '--', '/bin/aarch64']);
  t.is(r.code, 126);
  t.regex(r.stderr, /ELF is for AArch64, not RISC-V/);
});

test('a guest jumping to an unmapped address: SIGSEGV reported, exit 139', async (t) => {
  const r = await daemon(['--disk', disk, '--', '/bin/segv']);
  t.is(r.code, 139);
  t.regex(r.stderr, /\/bin\/segv killed by SIGSEGV \(invalid memory access: execute at 0x10, pc 0x10\)/);
});

test('a disk image of random bytes: 125 with the FAT32 complaint', async (t) => {
  const img = join(tmp, 'random.img');
  const junk = Buffer.alloc(1 << 20);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
  writeFileSync(img, junk);
  const r = await daemon(['--disk', img]);
  t.is(r.code, 125);
  t.regex(r.stderr, /cannot use .*random\.img: fat32: /);
});

test('a disk image whose size is not a multiple of 512: 125', async (t) => {
  const img = join(tmp, 'odd.img');
  writeFileSync(img, Buffer.alloc(1000));
  const r = await daemon(['--disk', img]);
  t.is(r.code, 125);
  t.regex(r.stderr, /not a multiple of 512/);
});

test('a missing disk image: 125', async (t) => {
  const r = await daemon(['--disk', join(tmp, 'missing.img')]);
  t.is(r.code, 125);
  t.regex(r.stderr, /cannot use .*missing\.img/);
});

test('a directory as the disk image: 125', async (t) => {
  const d = join(tmp, 'adir');
  mkdirSync(d);
  const r = await daemon(['--disk', d]);
  t.is(r.code, 125);
  t.regex(r.stderr, /cannot use .*adir/);
});

test('bad command lines: exit 2 with a message', async (t) => {
  const mem = await daemon(['--mem', '1']);
  t.is(mem.code, 2);
  t.regex(mem.stderr, /--mem must be/);
  const arch = await runDaemon(['--arch', 'sparc']);
  t.is(arch.code, 2);
  t.regex(arch.stderr, /Invalid values/);
  const unknown = await runDaemon(['--frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /Unknown argument/);
});
