/* SPDX-License-Identifier: MIT */
/*
 * The monitor's memory commands (kernel/mm_cmds.c, kernel/mm_demo.c,
 * kernel/memmap_cmd.c), for the commands[] table of kernel/monitor.c.  Each takes argv[0] = its name, prints its
 * own errors and returns 0 or -1.
 */
#ifndef KERNEL_MM_CMDS_H
#define KERNEL_MM_CMDS_H

int cmd_meminfo(int argc, char **argv);
int cmd_buddyinfo(int argc, char **argv);
int cmd_zoneinfo(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_slabinfo(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_owners(int argc, char **argv);
int cmd_pages(int argc, char **argv);
int cmd_kmalloc(int argc, char **argv);
int cmd_kfree(int argc, char **argv);
/* kernel/memmap_cmd.c */
int cmd_memmap(int argc, char **argv);
int cmd_fragment(int argc, char **argv);
/* kernel/mm_demo.c */
int cmd_txn_demo(int argc, char **argv);
int cmd_fail(int argc, char **argv);
/* demo=1: the states of docs/gdb.md, each at its mm_demo_* stop */
void mm_demo_walkthrough(void);
/* demo.tour=1: the stops of docs/tour.md (kernel/mm_tour.c) */
void mm_demo_tour(void);

#endif /* KERNEL_MM_CMDS_H */
