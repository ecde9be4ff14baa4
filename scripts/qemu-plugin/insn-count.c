/*
 * insn-count: exact guest instruction count for Debian's qemu-user 7.2 (plugin API version 1).
 *
 *   qemu-riscv64 -plugin .bench/insn-count.so ./prog args      ->  stderr: "insns: 123456"
 *   qemu-riscv64 -plugin .bench/insn-count.so,out=/tmp/n ./prog  ->  /tmp/n gets the line
 *
 * The line is written with write(2) on fd 2 (qemu_plugin_outs would need "-d plugin"), or
 * appended to out=PATH, opened only at exit so the guest never sees an extra descriptor.
 * Every translated block gets an inline "add n_insns to a u64" op at block entry, so the count
 * is exact for programs that leave blocks normally (a block left early by a fault would be
 * counted in full). One global counter: with several guest threads running at once (MTTCG)
 * increments may race - use single-threaded programs for exact counts. Nothing is printed
 * when the guest dies of a signal (qemu 7.2 runs no atexit callbacks then).
 * Debian ships no qemu-plugin.h, so the few API declarations needed are written out below
 * (same ABI as QEMU 7.2's include/qemu/qemu-plugin.h).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;             /* opaque here: we don't look inside */
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

/* provided by qemu (resolved at dlopen time) */
extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                                     void *ptr, uint64_t imm);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;                 /* QEMU_PLUGIN_VERSION of QEMU 7.2 */

static uint64_t insn_count;
static const char *out_path;                        /* from out=PATH, else fd 2 */

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insn_count,
                                             qemu_plugin_tb_n_insns(tb));
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id; (void)p;
    char line[64];
    snprintf(line, sizeof line, "insns: %" PRIu64 "\n", insn_count);
    int fd = 2;
    if (out_path) {
        fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) { perror(out_path); fd = 2; }
    }
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t w = write(fd, line + off, len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (fd != 2) close(fd);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0) out_path = argv[i] + 4;
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
